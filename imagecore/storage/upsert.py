"""INSERT ... ON CONFLICT, the one statement SQLAlchemy Core spells per dialect."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

__all__ = ["upsert"]


def upsert(
    dialect: str,
    table: sa.Table,
    values: Mapping[str, Any],
    *,
    key: Sequence[str],
    add: Sequence[str] = (),
) -> sa.Insert:
    """Insert ``values``; on a conflict over ``key``, add the new values of the ``add``
    columns to the stored ones (counters), or leave the row alone if there are none."""
    insert: Any = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}[dialect]
    statement = insert(table).values(**values)
    if not add:
        return statement.on_conflict_do_nothing(index_elements=list(key))
    return statement.on_conflict_do_update(
        index_elements=list(key),
        set_={name: table.c[name] + statement.excluded[name] for name in add},
    )
