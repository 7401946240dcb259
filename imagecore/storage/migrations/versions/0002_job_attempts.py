"""Every API attempt of a job, kept with its history row.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: the jobs recorded before this revision have no attempts to show. A plain
    # ADD COLUMN, which SQLite does in place (no table copy).
    op.add_column("jobs", sa.Column("attempts", sa.JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("attempts")
