"""contract: drop ports legacy status

Revision ID: 3b5e0a8c6d71
Revises: 4e8b2d6f0c17
Create Date: 2026-11-30 23:41:50.159164

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '3b5e0a8c6d71'
down_revision: Union[str, Sequence[str], None] = '4e8b2d6f0c17'
branch_labels: Union[str, Sequence[str], None] = ('contract',)
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # contract: destructive, only once no running code reads the column
    with op.batch_alter_table("ports") as batch_op:
        batch_op.drop_column("legacy_status")


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("ports") as batch_op:
        batch_op.add_column(
            sa.Column("legacy_status", sa.String(length=16), nullable=True)
        )
