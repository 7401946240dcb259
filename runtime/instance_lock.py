"""One bot process per SQLite file: a second one on the same file refuses to start.

SQLite serialises writers but two bots would each run their own queue against one quota
and post each other's state; PostgreSQL is what several processes share. The lock is an
``flock`` on a file beside the database, so the kernel drops it when the process dies,
however it dies: no stale lock after a crash or an OOM kill.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

__all__ = ["AlreadyRunning", "lock_path_for", "single_instance"]

try:
    import fcntl
except ImportError:  # Windows: no flock; the bot runs there without the guard
    fcntl = None


class AlreadyRunning(Exception):
    def __init__(self, database: Path, holder: str) -> None:
        who = f"process {holder}" if holder else "another process"
        super().__init__(
            f"{who} is already running a bot on {database}; stop it first "
            "(one bot per SQLite file; use PostgreSQL to run several)"
        )


def lock_path_for(database: Path) -> Path:
    return database.with_name(f"{database.name}.lock")


@contextlib.contextmanager
def single_instance(database: Path) -> Iterator[None]:
    """Hold the database's lock for the body; raises AlreadyRunning if another has it."""
    if fcntl is None:
        yield
        return
    path = lock_path_for(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
            raise AlreadyRunning(database, holder) from None
        # The holder's pid, only to name it in the other process's message.
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)
