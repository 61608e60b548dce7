"""SQLAlchemy 2 implementation of the stores (SQLite by default, PostgreSQL)."""
