"""Git hooks: ``pre-push`` on clients, ``pre-receive`` on servers, and their installer.

The hooks read commits only (never the working tree), from local objects only
(no network), and stay silent when all is well.  A failure of the tool itself
never blocks a push unless the user asked for that (``failOnError``).
"""
