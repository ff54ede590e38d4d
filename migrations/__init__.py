"""Alembic migration chain (installed as ``govcheck.migrations``)."""
