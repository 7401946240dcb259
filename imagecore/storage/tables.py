"""The tables as the code reads and writes them. Migrations (migrations/versions/) create
and change them; keep both in step (tests/unit/imagecore/storage/test_schema.py compares them).

Times are Unix seconds (UTC) as doubles; days are UTC dates; Discord ids are 64-bit.
"""

from __future__ import annotations

import sqlalchemy as sa

__all__ = ["daily_usage", "guild_settings", "jobs", "live_jobs", "metadata", "setting_changes"]

metadata = sa.MetaData()

# SQLite only auto-numbers a column declared exactly INTEGER PRIMARY KEY.
_ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

guild_settings = sa.Table(
    "guild_settings",
    metadata,
    sa.Column("guild_id", sa.BigInteger, primary_key=True, autoincrement=False),
    # One column per GuildSettings field; NULL means "not set here: the bot's default".
    sa.Column("size", sa.String(32)),
    sa.Column("negative_prompt", sa.Text),
    sa.Column("prompt_extend", sa.Boolean),
    sa.Column("watermark", sa.Boolean),
    sa.Column("model", sa.String(100)),
    sa.Column("count", sa.Integer),  # revision 0003
    sa.Column("edit_model", sa.String(100)),  # revision 0005
    sa.Column("editing", sa.Boolean),  # revision 0005
    sa.Column("language", sa.String(16)),  # revision 0005
    sa.Column("cooldown_seconds", sa.Integer),
    sa.Column("max_pending_per_user", sa.Integer),
    sa.Column("user_daily_images", sa.Integer),
    sa.Column("guild_daily_images", sa.Integer),
    sa.Column("exempt_role_id", sa.BigInteger),
    # Tuples, stored as JSON arrays ([] when empty).
    sa.Column("allowed_channel_ids", sa.JSON, nullable=False),
    sa.Column("allowed_role_ids", sa.JSON, nullable=False),
    sa.Column("blocked_words", sa.JSON, nullable=False),
    sa.Column("log_channel_id", sa.BigInteger),
    sa.Column("updated_at", sa.Double, nullable=False),
)

setting_changes = sa.Table(
    "setting_changes",
    metadata,
    sa.Column("id", _ROW_ID, primary_key=True, autoincrement=True),
    sa.Column("guild_id", sa.BigInteger, nullable=False),
    sa.Column("actor_id", sa.BigInteger, nullable=False),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("old", sa.JSON),
    sa.Column("new", sa.JSON),
    sa.Column("at", sa.Double, nullable=False),
    sa.Index("ix_setting_changes_guild_at", "guild_id", "at"),
)

daily_usage = sa.Table(
    "daily_usage",
    metadata,
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("guild_id", sa.BigInteger, primary_key=True, autoincrement=False),  # 0: DMs
    sa.Column("user_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("images", sa.Integer, nullable=False),
    # The primary key serves "this user today" and "this guild today"; stats read a week.
    sa.Index("ix_daily_usage_guild_day", "guild_id", "day"),
)

jobs = sa.Table(
    "jobs",
    metadata,
    sa.Column("id", _ROW_ID, primary_key=True, autoincrement=True),
    sa.Column("guild_id", sa.BigInteger),  # NULL: a DM
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
    # The API calls made for the job (AttemptRecord.as_dict() each), a JSON array; NULL when
    # there were none, or the job predates revision 0002.
    sa.Column("attempts", sa.JSON),
    # Revision 0003, NULL for older jobs: the key in the result's button custom_ids, the
    # result message, images asked for, and one ImageResult.as_dict() per delivered image.
    sa.Column("job_key", sa.String(16)),
    sa.Column("message_id", sa.BigInteger),
    sa.Column("image_count", sa.Integer),
    sa.Column("results", sa.JSON),
    sa.Column("input_images", sa.Integer),  # revision 0005
    # recent_jobs and forget_user; last_job_at (cooldowns); guild_stats; purge_history.
    sa.Index("ix_jobs_user_created", "user_id", "created_at"),
    sa.Index("ix_jobs_user_guild_created", "user_id", "guild_id", "created_at"),
    sa.Index("ix_jobs_guild_created", "guild_id", "created_at"),
    sa.Index("ix_jobs_created", "created_at"),
    sa.Index("ix_jobs_job_key", "job_key", unique=True),  # find_job, for a button click
)

# Revision 0004: the jobs accepted and not yet purged, with what any process needs to finish
# one (imagecore/storage/live_jobs.py reads and writes them).
live_jobs = sa.Table(
    "live_jobs",
    metadata,
    sa.Column("job_key", sa.String(16), primary_key=True),  # as in jobs.job_key
    sa.Column("state", sa.String(16), nullable=False),  # one of live_jobs.LIVE_STATES
    sa.Column("user_id", sa.BigInteger, nullable=False),
    sa.Column("guild_id", sa.BigInteger),  # NULL: a DM
    sa.Column("channel_id", sa.BigInteger),
    sa.Column("user_locale", sa.String(32)),  # the member's Discord locale, e.g. "en-US"
    sa.Column("guild_locale", sa.String(32)),  # the server's
    sa.Column("application_id", sa.BigInteger, nullable=False),
    # The interaction token: a credential for 15 minutes. NULL once the job has ended.
    sa.Column("token", sa.Text),
    sa.Column("token_deadline", sa.Double, nullable=False),  # Unix time it stops working
    sa.Column("accepted_at", sa.Double, nullable=False),
    # The fair order: assigned at accept, one more than any before, never reused.
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("runs", sa.Integer, nullable=False),  # times started, at most 2
    # The resolved request once, with one seed per image (live_jobs.encode_requests).
    sa.Column("request", sa.JSON, nullable=False),
    sa.Column("image_count", sa.Integer, nullable=False),
    sa.Column("updated_at", sa.Double, nullable=False),
    sa.Index("ix_live_jobs_seq", "seq", unique=True),  # resumable, in order
    sa.Index("ix_live_jobs_state_deadline", "state", "token_deadline"),  # expire, purge
)
