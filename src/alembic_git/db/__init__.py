"""What a database ran, compared with git: ``alembic-git db status`` / ``db sync``, the
post-checkout warning, and "published" by database.

SQLAlchemy is imported only inside these modules' functions that need it, so the
hooks and ``check`` never pay for it (see tests/test_db_imports.py).
"""
