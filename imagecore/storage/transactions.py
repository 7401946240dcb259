"""One short transaction on a pooled connection, with "the database can't be used right now"
turned into StorageUnavailable (its message scrubbed of the URL's password)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from imagecore.storage.engine import SQLITE_BEGIN
from imagecore.storage.errors import StorageUnavailable, driver_message, is_unavailable
from imagecore.storage.urls import DatabaseTarget

__all__ = ["INVALIDATE_SECONDS", "transaction"]

INVALIDATE_SECONDS = 0.5


@contextlib.asynccontextmanager
async def transaction(
    engine: AsyncEngine, target: DatabaseTarget, doing: str, *, write: bool
) -> AsyncIterator[AsyncConnection]:
    """``write``: on SQLite, take the write lock at BEGIN (IMMEDIATE), so what the
    transaction reads stays true until it commits: writers run one after the other."""
    try:
        async with engine.connect() as connection:
            if write and target.dialect == "sqlite":
                await connection.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
            try:
                async with connection.begin():
                    yield connection
            except BaseException as exc:
                if is_unavailable(exc) or isinstance(exc, asyncio.CancelledError):
                    # Don't hand a dead or mid-statement connection back to the pool.
                    await _invalidate(connection)
                raise
    except Exception as exc:
        if not is_unavailable(exc):
            raise
        message = f"{doing}: database {target.shown} unavailable ({driver_message(exc)})"
        raise StorageUnavailable(target.scrub(message)) from None


async def _invalidate(connection: AsyncConnection) -> None:
    if connection.invalidated:
        return
    # Bounded: a polite close on a dead link would wait; past this it is closed hard.
    with contextlib.suppress(Exception):
        async with asyncio.timeout(INVALIDATE_SECONDS):
            await connection.invalidate()
