"""add display name and published at

Revision ID: c5d7a3e91f02
Revises: 8c41e0b2d9a7
Create Date: 2026-11-30 23:40:08.633679

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'c5d7a3e91f02'
down_revision: Union[str, Sequence[str], None] = '8c41e0b2d9a7'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(
            sa.Column("display_name", sa.String(length=100), nullable=True)
        )

    with op.batch_alter_table("posts") as batch_op:
        batch_op.add_column(
            sa.Column("published_at", sa.DateTime(), nullable=True)
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("posts") as batch_op:
        batch_op.drop_column("published_at")

    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("display_name")
