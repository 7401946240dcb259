"""Async SQLAlchemy engines for SQLite (aiosqlite) and PostgreSQL (asyncpg), set up so that
a locked or vanished database fails fast and a returning one is used again by itself."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import asyncpg
from sqlalchemy import event, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.util import await_only

from imagecore.storage.urls import DatabaseTarget

__all__ = ["SQLITE_BEGIN", "create_engine"]

log = logging.getLogger(__name__)

# Execution option naming the SQLite BEGIN mode of a connection's transactions. Writers use
# IMMEDIATE: they take the write lock up front (waiting up to busy_timeout for it) instead
# of failing at their first write when another connection committed meanwhile.
SQLITE_BEGIN = "imagecore_sqlite_begin"


def create_engine(
    target: DatabaseTarget,
    *,
    busy_timeout_ms: int,
    timeout: float,
    migrating: bool = False,
) -> AsyncEngine:
    """``busy_timeout_ms``: how long a write waits for a lock another connection holds.
    ``timeout``: seconds to connect, to get a pooled connection and (PostgreSQL) for any
    one statement. ``migrating``: a one-connection engine whose statements may take long
    (a migration may rewrite a big table, or wait for another process's migration)."""
    options: dict[str, Any] = {"pool_pre_ping": True}
    if migrating:
        options["poolclass"] = pool.NullPool
    else:
        options["pool_timeout"] = timeout
    if target.dialect == "sqlite":
        engine = create_async_engine(
            target.sqlalchemy_url,
            # sqlite3's own wait for locks, in seconds; the PRAGMA below sets the same.
            connect_args={"timeout": busy_timeout_ms / 1000},
            **options,
        )
        _set_up_sqlite(engine, busy_timeout_ms)
        return engine
    if target.postgres_dsn is None:
        raise ValueError(f"no PostgreSQL DSN for a {target.dialect} database")
    connect = _postgres_connector(
        target.postgres_dsn,
        connect_timeout=timeout,
        command_timeout=None if migrating else timeout,
        lock_timeout_ms=None if migrating else busy_timeout_ms,
    )
    return create_async_engine(target.sqlalchemy_url, async_creator=connect, **options)


def _postgres_connector(
    dsn: str,
    *,
    connect_timeout: float,
    command_timeout: float | None,
    lock_timeout_ms: int | None,
) -> Callable[[], Awaitable[asyncpg.Connection]]:
    settings = {"application_name": "imagecore-bot"}
    if lock_timeout_ms is not None:
        # A writer waits this long for a row lock, like SQLite's busy_timeout.
        settings["lock_timeout"] = f"{lock_timeout_ms}ms"
    # What the URL sets wins over these defaults.
    in_url = {key for key, _ in parse_qsl(urlsplit(dsn).query)}
    settings = {key: value for key, value in settings.items() if key not in in_url}

    async def connect() -> asyncpg.Connection:
        return await asyncpg.connect(
            dsn,
            # asyncpg takes seconds as a float; its annotation says int.
            timeout=connect_timeout,  # pyright: ignore[reportArgumentType]
            # A silent server (a black hole) would otherwise hang a statement forever.
            command_timeout=command_timeout,
            server_settings=settings,
        )

    return connect


def _set_up_sqlite(engine: AsyncEngine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver's own implicit BEGIN is switched off; on_begin below emits ours.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA journal_mode")
            # Switching needs a moment of exclusive access; WAL stays set in the file,
            # so only the first connection ever does it.
            if cursor.fetchone()[0].lower() != "wal":
                mode = _switch_to_wal(cursor, busy_timeout_ms / 1000)
                if mode != "wal":
                    log.warning("SQLite refused WAL mode (kept %s): readers will wait", mode)
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get(SQLITE_BEGIN, "DEFERRED")
        if mode not in ("DEFERRED", "IMMEDIATE"):
            raise ValueError(f"unknown SQLite BEGIN mode {mode!r}")
        connection.exec_driver_sql(f"BEGIN {mode}")


def _switch_to_wal(cursor: Any, patience: float) -> str:
    """Switch a new file to WAL; returns the mode it ends in. SQLite answers "locked" at
    once, without its busy handler, while another connection is switching the same file
    (processes starting together): try again until ``patience`` runs out."""
    end = time.monotonic() + patience
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return str(cursor.fetchone()[0]).lower()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= end:
                raise
        # Called from SQLAlchemy's sync-over-async bridge: the pause yields to the loop.
        await_only(asyncio.sleep(0.01))
