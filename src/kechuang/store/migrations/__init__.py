"""Alembic migrations of the Kechuang schema (configured in code by kechuang.store.migrate)."""
