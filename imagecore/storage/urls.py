"""DATABASE_URL in the forms the bot accepts, turned into what the drivers need.

* ``sqlite:///relative/bot.db``, ``sqlite:////absolute/bot.db`` or a bare file path;
* ``postgresql://user:password@host:5432/dbname`` (``postgres://`` too). The URL goes to
  asyncpg as it is, so libpq's query parameters work (``sslmode=require``, and any other
  name sets a server setting, e.g. ``search_path=bot``).

A ``+driver`` part (``sqlite+aiosqlite``, ``postgresql+psycopg``) is accepted and replaced by
the async driver this package uses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from sqlalchemy.engine import URL

__all__ = ["DatabaseTarget", "parse_database_url"]

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://")


@dataclass(frozen=True, slots=True)
class DatabaseTarget:
    dialect: Literal["sqlite", "postgresql"]
    sqlalchemy_url: URL
    shown: str  # safe to log: the password replaced by ***
    sqlite_path: Path | None = None
    postgres_dsn: str | None = None
    secrets: tuple[str, ...] = ()

    def scrub(self, text: str) -> str:
        """``text`` with every form of the URL's password replaced."""
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text


def parse_database_url(raw: str) -> DatabaseTarget:
    """Raises ValueError (whose message holds no password) for a URL the bot can't use."""
    raw = raw.strip()
    if not raw:
        raise ValueError("no database URL given")
    match = _SCHEME.match(raw)
    if match is None:
        return _sqlite(Path(raw))
    scheme = match.group(1).lower().partition("+")[0]
    if scheme == "sqlite":
        path = raw[match.end() :].partition("?")[0]
        # sqlite:///a/b is the relative path a/b, sqlite:////a/b the absolute /a/b.
        if not path.startswith("/") or path == "/":
            raise ValueError("a SQLite URL looks like sqlite:///path/to/bot.db")
        return _sqlite(Path(unquote(path[1:])))
    if scheme in ("postgresql", "postgres"):
        url = "postgresql://" + raw[match.end() :]
        try:
            urlsplit(url).port  # noqa: B018 - parsing it is the check
        except ValueError:
            # Usually a password with / @ # or ? in it; the message must not quote it.
            raise ValueError(
                "it is not a valid URL: percent-encode special characters of the "
                "password (/ as %2F, @ as %40, # as %23, ? as %3F)"
            ) from None
        return _postgres(url)
    raise ValueError(f"unsupported database scheme {scheme!r}: use sqlite:/// or postgresql://")


def _sqlite(path: Path) -> DatabaseTarget:
    if str(path) in ("", ":memory:"):
        # Everything would vanish at restart, and one shared connection can't hold
        # separate transactions for concurrent commands.
        raise ValueError("SQLite needs a file path (an in-memory database loses everything)")
    path = path.expanduser().absolute()
    return DatabaseTarget(
        dialect="sqlite",
        sqlalchemy_url=URL.create("sqlite+aiosqlite", database=str(path)),
        shown=f"sqlite:///{path}",
        sqlite_path=path,
    )


def _postgres(dsn: str) -> DatabaseTarget:
    parts = urlsplit(dsn)
    secrets: set[str] = set()
    netloc = parts.netloc
    userinfo, at, hosts = netloc.rpartition("@")
    if at and ":" in userinfo:
        user, _, password = userinfo.partition(":")
        secrets.update({password, unquote(password), quote(unquote(password), safe="")})
        netloc = f"{user}:***@{hosts}"
    query = []
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if "password" in key.lower():
            secrets.update({value, quote(value, safe="")})
            value = "***"
        query.append((key, value))
    shown = urlunsplit((parts.scheme, netloc, parts.path, urlencode(query, safe="*"), ""))
    return DatabaseTarget(
        dialect="postgresql",
        # Only names the dialect: asyncpg gets the whole DSN (see engine.py).
        sqlalchemy_url=URL.create("postgresql+asyncpg"),
        shown=shown,
        postgres_dsn=dsn,
        # Longest first, so a password that contains another secret is replaced whole.
        secrets=tuple(sorted((s for s in secrets if s), key=len, reverse=True)),
    )
