"""A server's edit model, whether it allows editing, and the language of its public
messages; how many input pictures a job had (an edit's Re-roll needs them back).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

COLUMNS = (
    ("edit_model", sa.String(100)),
    ("editing", sa.Boolean),
    ("language", sa.String(16)),
)


def upgrade() -> None:
    # NULL is "not set here": every server keeps the bot's defaults until a moderator acts.
    for name, kind in COLUMNS:
        op.add_column("guild_settings", sa.Column(name, kind, nullable=True))
    op.add_column("jobs", sa.Column("input_images", sa.Integer, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("input_images")
    with op.batch_alter_table("guild_settings") as batch:
        for name, _ in reversed(COLUMNS):
            batch.drop_column(name)
