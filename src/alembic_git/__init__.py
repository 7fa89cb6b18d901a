"""Find and fix Alembic multiple heads across git branches."""

__version__ = "0.1.0"
