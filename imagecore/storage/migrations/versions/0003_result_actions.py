"""What the buttons on a result need: the job's stable key, the result message, how many
images were asked for and each delivered image's seed, revised prompt and request id; and
a server's default number of images per request.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # All nullable: jobs recorded before this revision have none of it (their buttons, if
    # any, predate the feature). Plain ADD COLUMNs, done in place by SQLite.
    op.add_column("jobs", sa.Column("job_key", sa.String(16), nullable=True))
    op.add_column("jobs", sa.Column("message_id", sa.BigInteger, nullable=True))
    op.add_column("jobs", sa.Column("image_count", sa.Integer, nullable=True))
    op.add_column("jobs", sa.Column("results", sa.JSON, nullable=True))
    # A button click looks its job up by key, from any process sharing the database.
    op.create_index("ix_jobs_job_key", "jobs", ["job_key"], unique=True)
    op.add_column("guild_settings", sa.Column("count", sa.Integer, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("guild_settings") as batch:
        batch.drop_column("count")
    op.drop_index("ix_jobs_job_key", table_name="jobs")
    with op.batch_alter_table("jobs") as batch:
        for column in ("results", "image_count", "message_id", "job_key"):
            batch.drop_column(column)
