"""add last login to users

Revision ID: 2c6e8a0f4b93
Revises: b4f0a2c8e6d1
Create Date: 2026-11-30 23:41:16.474283

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '2c6e8a0f4b93'
down_revision: Union[str, Sequence[str], None] = 'b4f0a2c8e6d1'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(
            sa.Column("last_login_at", sa.DateTime(), nullable=True)
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("last_login_at")
