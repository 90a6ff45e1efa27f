"""Alembic migration scripts (see migrate.py)."""
