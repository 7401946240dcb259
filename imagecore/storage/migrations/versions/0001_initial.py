"""Guild settings and their audit, daily usage counters, jobs history.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Frozen copies of the types: a migration must keep creating what it created, whatever
# tables.py says later.
ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "guild_settings",
        sa.Column("guild_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("size", sa.String(32)),
        sa.Column("negative_prompt", sa.Text),
        sa.Column("prompt_extend", sa.Boolean),
        sa.Column("watermark", sa.Boolean),
        sa.Column("model", sa.String(100)),
        sa.Column("cooldown_seconds", sa.Integer),
        sa.Column("max_pending_per_user", sa.Integer),
        sa.Column("user_daily_images", sa.Integer),
        sa.Column("guild_daily_images", sa.Integer),
        sa.Column("exempt_role_id", sa.BigInteger),
        sa.Column("allowed_channel_ids", sa.JSON, nullable=False),
        sa.Column("allowed_role_ids", sa.JSON, nullable=False),
        sa.Column("blocked_words", sa.JSON, nullable=False),
        sa.Column("log_channel_id", sa.BigInteger),
        sa.Column("updated_at", sa.Double, nullable=False),
    )
    op.create_table(
        "setting_changes",
        sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
        sa.Column("guild_id", sa.BigInteger, nullable=False),
        sa.Column("actor_id", sa.BigInteger, nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("old", sa.JSON),
        sa.Column("new", sa.JSON),
        sa.Column("at", sa.Double, nullable=False),
    )
    op.create_index("ix_setting_changes_guild_at", "setting_changes", ["guild_id", "at"])
    op.create_table(
        "daily_usage",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("guild_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("user_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("images", sa.Integer, nullable=False),
    )
    op.create_index("ix_daily_usage_guild_day", "daily_usage", ["guild_id", "day"])
    op.create_table(
        "jobs",
        sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
        sa.Column("guild_id", sa.BigInteger),
        sa.Column("channel_id", sa.BigInteger),
        sa.Column("user_id", sa.BigInteger, nullable=False),
        sa.Column("prompt", sa.Text, nullable=False),
        sa.Column("negative_prompt", sa.Text, nullable=False),
        sa.Column("model", sa.String(100), nullable=False),
        sa.Column("size", sa.String(32), nullable=False),
        sa.Column("prompt_extend", sa.Boolean, nullable=False),
        sa.Column("watermark", sa.Boolean, nullable=False),
        sa.Column("seed", sa.BigInteger),
        sa.Column("revised_prompt", sa.Text),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error_class", sa.String(64)),
        sa.Column("latency_seconds", sa.Double),
        sa.Column("created_at", sa.Double, nullable=False),
        sa.Column("finished_at", sa.Double),
    )
    op.create_index("ix_jobs_user_created", "jobs", ["user_id", "created_at"])
    op.create_index("ix_jobs_user_guild_created", "jobs", ["user_id", "guild_id", "created_at"])
    op.create_index("ix_jobs_guild_created", "jobs", ["guild_id", "created_at"])
    op.create_index("ix_jobs_created", "jobs", ["created_at"])


def downgrade() -> None:
    for table in ("jobs", "daily_usage", "setting_changes", "guild_settings"):
        op.drop_table(table)
