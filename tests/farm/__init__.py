"""Test site farm: a forward HTTP proxy serving replicas of government sites (see truth.py)."""
