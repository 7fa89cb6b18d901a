import sys

from alembic_git.cli import main

sys.exit(main())
