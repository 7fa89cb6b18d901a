"""contract: drop networks tenant id

Revision ID: f07c4a2e9b13
Revises: 3b5e0a8c6d71
Create Date: 2026-11-30 23:41:51.481489

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'f07c4a2e9b13'
down_revision: Union[str, Sequence[str], None] = '3b5e0a8c6d71'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = '9d2b7c5e1f40'


def upgrade() -> None:
    """Upgrade schema."""
    # depends_on = expand's 9d2b7c5e1f40: networks.project_id must exist
    # before tenant_id can be folded into it and dropped
    op.execute(
        "UPDATE networks SET project_id = tenant_id "
        "WHERE project_id IS NULL"
    )
    with op.batch_alter_table("networks") as batch_op:
        batch_op.drop_column("tenant_id")


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("networks") as batch_op:
        batch_op.add_column(
            sa.Column("tenant_id", sa.String(length=255), nullable=True)
        )
    op.execute("UPDATE networks SET tenant_id = project_id")
