"""expand: add subnets table

Revision ID: 6a3f9d1e4b82
Revises: 4e8b2d6f0c17
Create Date: 2026-11-30 23:41:49.526679

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '6a3f9d1e4b82'
down_revision: Union[str, Sequence[str], None] = '4e8b2d6f0c17'
branch_labels: Union[str, Sequence[str], None] = ('expand',)
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # expand: additive only, safe while old code is still running
    op.create_table(
        "subnets",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("network_id", sa.String(length=36), nullable=False),
        sa.Column("cidr", sa.String(length=64), nullable=False),
        sa.Column("ip_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["network_id"], ["networks.id"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("subnets")
