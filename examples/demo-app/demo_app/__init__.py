"""A tiny SQLAlchemy 2 application used to demonstrate alembic-git."""
