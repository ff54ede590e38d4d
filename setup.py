"""Kept so that scrapyd-deploy builds the egg from our packaging (pyproject.toml) instead of writing
its own setup.py, which would ship generic top-level packages such as ``spiders``."""

from setuptools import setup

setup()
