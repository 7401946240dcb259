"""Jobs in flight: everything another process needs to finish a job it did not accept (the
resolved request, who and where, the locales, the interaction's application id, token and
deadline, its place in the fair order, its state and how often it was started).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A new table: no existing row changes.
    op.create_table(
        "live_jobs",
        sa.Column("job_key", sa.String(16), primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("user_id", sa.BigInteger, nullable=False),
        sa.Column("guild_id", sa.BigInteger),
        sa.Column("channel_id", sa.BigInteger),
        sa.Column("user_locale", sa.String(32)),
        sa.Column("guild_locale", sa.String(32)),
        sa.Column("application_id", sa.BigInteger, nullable=False),
        sa.Column("token", sa.Text),
        sa.Column("token_deadline", sa.Double, nullable=False),
        sa.Column("accepted_at", sa.Double, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("runs", sa.Integer, nullable=False),
        sa.Column("request", sa.JSON, nullable=False),
        sa.Column("image_count", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.Double, nullable=False),
    )
    op.create_index("ix_live_jobs_seq", "live_jobs", ["seq"], unique=True)
    op.create_index("ix_live_jobs_state_deadline", "live_jobs", ["state", "token_deadline"])


def downgrade() -> None:
    op.drop_table("live_jobs")
