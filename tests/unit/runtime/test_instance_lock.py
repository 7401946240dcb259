"""The SQLite guard: a second holder is refused with the first one's pid, the lock goes with
its holder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from runtime.instance_lock import AlreadyRunning, lock_path_for, single_instance


def test_a_second_holder_is_refused_naming_the_first(tmp_path: Path) -> None:
    database = tmp_path / "data" / "bot.db"
    with single_instance(database):
        assert lock_path_for(database).read_text().strip() == str(os.getpid())
        refused = pytest.raises(AlreadyRunning, match=f"process {os.getpid()} is already running")
        with refused, single_instance(database):
            pass
    with single_instance(database):  # released with its holder
        pass


def test_different_files_do_not_block_each_other(tmp_path: Path) -> None:
    with single_instance(tmp_path / "a.db"), single_instance(tmp_path / "b.db"):
        pass
