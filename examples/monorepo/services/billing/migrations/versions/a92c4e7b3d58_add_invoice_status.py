"""add invoice status

Revision ID: a92c4e7b3d58
Revises: 5d3a8f6e1c70
Create Date: 2026-11-30 23:41:00.948116

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'a92c4e7b3d58'
down_revision: Union[str, Sequence[str], None] = '5d3a8f6e1c70'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("invoices") as batch_op:
        batch_op.add_column(
            sa.Column(
                "status",
                sa.String(length=16),
                server_default="draft",
                nullable=False,
            )
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("invoices") as batch_op:
        batch_op.drop_column("status")
