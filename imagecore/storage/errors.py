"""Which failures mean "the database can't be used right now", and how to say so safely.

Those become :class:`StorageUnavailable`: callers tell the member to try again later (or keep
the write for later) instead of crashing. Anything else (a bug, a constraint violated)
propagates unchanged.
"""

from __future__ import annotations

import asyncio
import sqlite3

import asyncpg.exceptions as pg
from sqlalchemy import exc as sa_exc

__all__ = ["StorageUnavailable", "driver_message", "is_unavailable"]

# PostgreSQL conditions that pass when the server (or the lock holder) does: connection
# classes 08/57/53, lock and deadlock waits, I/O errors, and logins refused at reconnect.
_PG_UNAVAILABLE: tuple[type[BaseException], ...] = (
    pg.PostgresConnectionError,
    pg.OperatorInterventionError,
    pg.InsufficientResourcesError,
    pg.LockNotAvailableError,
    pg.TransactionRollbackError,
    pg.PostgresSystemError,
    pg.InvalidAuthorizationSpecificationError,
    pg.InvalidCatalogNameError,
)


class StorageUnavailable(Exception):
    """The database is locked, unreachable or broken right now. The message is safe to log
    (it never holds the URL's password) and the storage recovers by itself when the
    database does."""


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception, what SQLAlchemy wrapped, and what caused it, each once."""
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop(0)
        if current is None or any(current is s for s in seen):
            continue
        seen.append(current)
        if isinstance(current, sa_exc.DBAPIError):
            todo.append(current.orig)
        # The same links a traceback shows: the explicit cause, else the implicit context.
        if current.__cause__ is not None:
            todo.append(current.__cause__)
        elif not current.__suppress_context__:
            todo.append(current.__context__)
    return seen


def _one_is_unavailable(exc: BaseException) -> bool:
    if isinstance(exc, sa_exc.DBAPIError):
        return exc.connection_invalidated or isinstance(
            exc, sa_exc.OperationalError | sa_exc.InterfaceError
        )
    if isinstance(exc, sa_exc.TimeoutError):  # no pooled connection came free in time
        return True
    if isinstance(exc, pg.ClientConfigurationError):
        return False
    if isinstance(exc, (*_PG_UNAVAILABLE, pg.InterfaceError)):
        return True
    # SQLite: "database is locked", "unable to open database file", "disk I/O error";
    # plain DatabaseError: "file is not a database", "database disk image is malformed".
    if isinstance(exc, sqlite3.OperationalError) or type(exc) is sqlite3.DatabaseError:
        return True
    return isinstance(exc, OSError | TimeoutError | asyncio.TimeoutError)


def is_unavailable(exc: BaseException) -> bool:
    return any(_one_is_unavailable(e) for e in _chain(exc))


def driver_message(exc: BaseException) -> str:
    """The innermost cause in one line: the driver's own words, without SQLAlchemy's SQL
    echo (which carries members' prompts)."""
    chain = _chain(exc)
    # A timeout's context is the cancellation it turned into: not news to anyone.
    drivers = [
        e for e in chain if not isinstance(e, sa_exc.SQLAlchemyError | asyncio.CancelledError)
    ]
    root = drivers[-1] if drivers else chain[-1]
    lines = str(root).strip().splitlines()
    text = lines[0] if lines else ""
    name = type(root).__name__
    words = f"{name}: {text}" if text else name
    return words if len(words) <= 300 else words[:297] + "..."
