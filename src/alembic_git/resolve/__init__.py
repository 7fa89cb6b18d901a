"""``merge-heads``: join conflicting heads by a merge revision or by rebasing unpublished ones.

* :mod:`.plan` decides, from graphs alone, which groups to resolve, which strategy,
  and which revisions move where;
* :mod:`.sides` finds the target and what is published (the only part that asks git);
* :mod:`.rebase` splices new parents into the bytes of a revision file;
* :mod:`.merge` renders a merge revision with the environment's own ``script.py.mako``;
* :mod:`.write` writes atomically, verifies, and rolls back.
"""
