"""What Alembic would load, read without importing anything: sources (the work
tree, a git commit), environment discovery, the static reader and its cache, loading,
the revision graph and the conflict rule."""
