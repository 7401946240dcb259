"""Alembic environment for the bot's storage.

Storage.open() runs the migrations (see imagecore/storage/migrate.py): it opens a
transaction, takes the migration lock and hands the connection over in
``config.attributes["connection"]``; everything below runs inside that transaction.
To write a new revision, copy versions/0001_initial.py's layout (revision ids are plain
numbers: "0002", ...), or generate one with ``imagecore.storage.migrate.make_revision``.
"""

from __future__ import annotations

from alembic import context

from imagecore.storage.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "these migrations run through imagecore.storage (Storage.open), "
        "which passes a live connection"
    )
context.configure(
    connection=connection,
    target_metadata=metadata,
    # SQLite can't ALTER most things; batch mode copies the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
