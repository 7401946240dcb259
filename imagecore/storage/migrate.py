"""Bringing the schema up to date with Alembic, from code: no alembic.ini involved.

The revisions live in ``migrations/versions/`` next to this file. ``upgrade_schema`` runs
them to head inside one transaction; at head it changes nothing, so every start may call it.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from imagecore.storage.engine import SQLITE_BEGIN

__all__ = ["MIGRATIONS", "alembic_config", "head_revision", "make_revision", "upgrade_schema"]

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().with_name("migrations")
# Any fixed 64-bit number, the same in every process of this bot.
MIGRATION_LOCK_KEY = 0x1A9E_C0DE_5702_A6E0


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    # ConfigParser would read "%" in the path as interpolation.
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError("the migrations folder has no revision")
    return head


def make_revision(message: str) -> Path:
    """A new, empty revision file numbered after the current head (for developers)."""
    number = int(re.sub(r"\D", "", head_revision()) or 0) + 1
    script = command.revision(alembic_config(), message=message, rev_id=f"{number:04d}")
    if script is None or isinstance(script, list):
        raise RuntimeError("alembic made no single revision file")
    return Path(script.path)


async def upgrade_schema(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            # The write lock first: a second process starting now waits, then finds
            # the schema at head.
            connection = await connection.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
        await connection.run_sync(_upgrade)


def _upgrade(connection: Connection) -> None:
    with connection.begin():
        if connection.dialect.name == "postgresql":
            # Two processes starting together: the second waits here until the first
            # commits, then finds nothing to do. Released at commit or rollback.
            connection.execute(sa.select(sa.func.pg_advisory_xact_lock(MIGRATION_LOCK_KEY)))
        command.upgrade(alembic_config(connection), "head")
