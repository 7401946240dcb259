"""The schema the migrations build: complete, in step with tables.py, created once however
many processes start together; and the URL forms the storage accepts."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from imagecore.policy.guild_settings import GuildSettings
from imagecore.storage import AttemptRecord, Storage, StorageUnavailable
from imagecore.storage.engine import create_engine
from imagecore.storage.migrate import alembic_config, head_revision
from imagecore.storage.tables import metadata
from imagecore.storage.urls import parse_database_url
from tests.support.storage import START, job


async def inspect(url: str, look: Any) -> Any:
    """Run ``look(sync_connection)`` on a connection of our own to the database."""
    engine = create_engine(parse_database_url(url), busy_timeout_ms=1000, timeout=5)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(look)
    finally:
        await engine.dispose()


def _schema(connection: Connection) -> dict[str, Any]:
    inspector = sa.inspect(connection)
    return {
        "tables": set(inspector.get_table_names()),
        "indexes": {
            index["name"]
            for table in inspector.get_table_names()
            for index in inspector.get_indexes(table)
        },
        "version": connection.execute(sa.text("SELECT version_num FROM alembic_version")).all(),
        "settings_columns": {
            column["name"]: column["nullable"] for column in inspector.get_columns("guild_settings")
        },
        "drift": compare_metadata(MigrationContext.configure(connection), metadata),
    }


async def test_migrations_build_the_whole_schema_once(url: str) -> None:
    await (await Storage.open(url)).close()
    await (await Storage.open(url)).close()  # a restart: nothing to do
    schema = await inspect(url, _schema)
    assert schema["tables"] == {*metadata.tables, "alembic_version"}
    assert schema["indexes"] >= {
        index.name for table in metadata.tables.values() for index in table.indexes
    }
    assert schema["version"] == [(head_revision(),)]
    # tables.py (what the code uses) and the migrations (what the database has) agree.
    assert schema["drift"] == []


def _migrate_to(revision: str, *, down: bool = False) -> Any:
    def migrate(connection: Connection) -> None:
        with connection.begin():
            config = alembic_config(connection)
            if down:
                command.downgrade(config, revision)
            else:
                command.upgrade(config, revision)

    return migrate


def _job_columns(connection: Connection) -> set[str]:
    return {column["name"] for column in sa.inspect(connection).get_columns("jobs")}


async def test_a_0001_database_gains_job_attempts_and_keeps_its_jobs(url: str) -> None:
    # A database as the bot left it before revision 0002, with a job in it.
    sqlite_file = parse_database_url(url).sqlite_path
    if sqlite_file is not None:
        sqlite_file.parent.mkdir(parents=True, exist_ok=True)
    await inspect(url, _migrate_to("0001"))
    assert "attempts" not in await inspect(url, _job_columns)

    def old_job(connection: Connection) -> None:
        with connection.begin():
            connection.execute(
                sa.text(
                    "INSERT INTO jobs (user_id, prompt, negative_prompt, model, size, "
                    "prompt_extend, watermark, status, created_at, finished_at) VALUES "
                    "(7, 'old', '', 'qwen-image', '1328*1328', true, false, 'delivered', "
                    ":at, :at)"
                ),
                {"at": START - 60},
            )

    await inspect(url, old_job)
    storage = await Storage.open(url)  # upgrades to head
    try:
        attempts = (
            AttemptRecord(1, "server_error", 503, "r1", 2.0),
            AttemptRecord(2, "ok", 200, "r2", 3.5),
        )
        await storage.save_job(job(7, prompt="new", status="delivered", attempts=attempts))
        new, old = await storage.recent_jobs(user_id=7)
        assert (old.prompt, old.status, old.attempts) == ("old", "delivered", ())
        assert (new.prompt, new.attempts) == ("new", attempts)
    finally:
        await storage.close()
    schema = await inspect(url, _schema)
    assert schema["version"] == [(head_revision(),)] and schema["drift"] == []

    # And back: 0002 comes off cleanly, the jobs stay.
    await inspect(url, _migrate_to("0001", down=True))
    assert "attempts" not in await inspect(url, _job_columns)
    count = await inspect(url, lambda c: c.execute(sa.text("SELECT count(*) FROM jobs")).scalar())
    assert count == 2


async def test_every_guild_setting_has_its_column(url: str) -> None:
    await (await Storage.open(url)).close()
    columns = (await inspect(url, _schema))["settings_columns"]
    for name, default in GuildSettings().as_dict().items():
        # Unset scalars are NULL; tuples are never NULL (an empty JSON array).
        assert columns[name] is (default is None), name


async def test_processes_starting_together_all_open(url: str) -> None:
    opened = await asyncio.gather(*(Storage.open(url) for _ in range(4)))
    try:
        await opened[0].change_guild_settings(1, 2, model="m")
        assert [(await s.guild_settings(1)).model for s in opened] == ["m"] * 4
    finally:
        for storage in opened:
            await storage.close()
    assert (await inspect(url, _schema))["version"] == [(head_revision(),)]


async def test_sqlite_file_and_folder_are_created_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "new" / "deeper" / "bot.db"
    storage = await Storage.open(f"sqlite:///{path}")
    try:
        assert path.is_file()
        connection = sqlite3.connect(path)
        try:
            assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        finally:
            connection.close()
        pragmas = await inspect(
            f"sqlite:///{path}",
            lambda c: [
                c.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("foreign_keys", "busy_timeout")
            ],
        )
        assert pragmas == [1, 1000]
    finally:
        await storage.close()


async def test_a_bare_path_is_a_sqlite_file(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    storage = await Storage.open("data/bot.db")
    try:
        assert storage.dialect == "sqlite"
        assert (tmp_path / "data" / "bot.db").is_file()
    finally:
        await storage.close()


@pytest.mark.parametrize(
    ("raw", "driver", "shown"),
    [
        ("sqlite:////srv/bot/bot.db", "sqlite+aiosqlite", "sqlite:////srv/bot/bot.db"),
        ("sqlite+aiosqlite:////srv/bot.db", "sqlite+aiosqlite", "sqlite:////srv/bot.db"),
        ("/srv/bot.db", "sqlite+aiosqlite", "sqlite:////srv/bot.db"),
        (
            "postgresql://bot:pa%40ss@db:5432/bot",
            "postgresql+asyncpg",
            "postgresql://bot:***@db:5432/bot",
        ),
        ("postgres://bot@db/bot?sslmode=require", "postgresql+asyncpg", None),
        (
            "postgresql+psycopg://bot@db/bot?password=hunter2&sslmode=require",
            "postgresql+asyncpg",
            "postgresql://bot@db/bot?password=***&sslmode=require",
        ),
    ],
)
def test_url_forms(raw: str, driver: str, shown: str | None) -> None:
    target = parse_database_url(raw)
    assert target.sqlalchemy_url.drivername == driver
    if shown is not None:
        assert target.shown == shown
    for secret in ("pa%40ss", "pa@ss", "hunter2"):
        assert secret not in target.shown


@pytest.mark.parametrize("raw", ["", "mysql://bot@db/bot", "sqlite://", "sqlite:///:memory:"])
async def test_an_unusable_url_is_refused_clearly(raw: str) -> None:
    with pytest.raises(StorageUnavailable, match="DATABASE_URL"):
        await Storage.open(raw)


async def test_an_unwritable_sqlite_folder_is_reported(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file, not a folder")
    with pytest.raises(StorageUnavailable, match="can't open the database"):
        await Storage.open(f"sqlite:///{tmp_path / 'taken' / 'bot.db'}")


async def test_a_file_that_is_no_database_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    path.write_bytes(b"these are not the pages of a SQLite database " * 100)
    with pytest.raises(StorageUnavailable, match="not a database"):
        await Storage.open(f"sqlite:///{path}")


async def test_a_0002_database_gains_result_columns_and_keeps_its_jobs(url: str) -> None:
    sqlite_file = parse_database_url(url).sqlite_path
    if sqlite_file is not None:
        sqlite_file.parent.mkdir(parents=True, exist_ok=True)
    await inspect(url, _migrate_to("0002"))
    assert "job_key" not in await inspect(url, _job_columns)

    def old_job(connection: Connection) -> None:
        with connection.begin():
            connection.execute(
                sa.text(
                    "INSERT INTO jobs (user_id, prompt, negative_prompt, model, size, "
                    "prompt_extend, watermark, status, created_at) VALUES "
                    "(7, 'old', '', 'qwen-image', '1328*1328', true, false, 'delivered', 1.0)"
                )
            )

    await inspect(url, old_job)
    storage = await Storage.open(url)  # upgrades to head
    try:
        (old,) = await storage.recent_jobs(user_id=7)
        assert (old.job_key, old.message_id, old.image_count, old.results) == (
            None,
            None,
            None,
            (),
        )
        assert old.delivered_images == 1
        await storage.save_job(job(7, prompt="new", job_key="abcdef0123456789"))
        assert await storage.find_job("abcdef0123456789") is not None
    finally:
        await storage.close()
    await inspect(url, _migrate_to("0002", down=True))
    assert {"job_key", "message_id", "image_count", "results"}.isdisjoint(
        await inspect(url, _job_columns)
    )
    count = await inspect(url, lambda c: c.execute(sa.text("SELECT count(*) FROM jobs")).scalar())
    assert count == 2
