"""expand: add networks project id

Revision ID: 9d2b7c5e1f40
Revises: 6a3f9d1e4b82
Create Date: 2026-11-30 23:41:50.837015

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '9d2b7c5e1f40'
down_revision: Union[str, Sequence[str], None] = '6a3f9d1e4b82'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # expand: new column next to the old networks.tenant_id; the contract
    # branch copies the data across and drops tenant_id later
    with op.batch_alter_table("networks") as batch_op:
        batch_op.add_column(
            sa.Column("project_id", sa.String(length=255), nullable=True)
        )
        batch_op.create_index("ix_networks_project_id", ["project_id"])


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("networks") as batch_op:
        batch_op.drop_index("ix_networks_project_id")
        batch_op.drop_column("project_id")
