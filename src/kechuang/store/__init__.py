"""The relational store: SQLAlchemy models' shared base, engine and sessions, Alembic migrations."""
