"""The command-sync fingerprint and the file that remembers it across restarts."""

from __future__ import annotations

from pathlib import Path

from runtime.command_sync import SyncState, commands_fingerprint

IMAGINE = {"name": "imagine", "options": [{"name": "prompt", "max_length": 800}]}
SETTINGS = {"name": "imagine-settings", "options": []}


def test_fingerprint_changes_only_when_definitions_or_scope_change() -> None:
    same = commands_fingerprint([IMAGINE, SETTINGS], [1, 2])
    # Order of commands, of scope and of keys is not a change.
    assert commands_fingerprint([SETTINGS, IMAGINE], [2, 1]) == same
    assert commands_fingerprint([dict(reversed(IMAGINE.items())), SETTINGS], [1, 2]) == same
    assert commands_fingerprint([{"name": "imagine", "options": []}, SETTINGS], [1, 2]) != same
    assert commands_fingerprint([IMAGINE], [1, 2]) != same
    assert commands_fingerprint([IMAGINE, SETTINGS], [1]) != same
    assert commands_fingerprint([IMAGINE, SETTINGS], []) != same


def test_a_remembered_fingerprint_survives_a_restart(tmp_path: Path) -> None:
    fingerprint = commands_fingerprint([IMAGINE], [1])
    path = tmp_path / "commands.sha256"
    state = SyncState(path)
    assert state.last() is None and state.needs_sync(fingerprint)
    state.remember(fingerprint)
    restarted = SyncState(path)
    assert restarted.last() == fingerprint
    assert not restarted.needs_sync(fingerprint)
    assert restarted.needs_sync(commands_fingerprint([IMAGINE], [2]))
    assert [p.name for p in tmp_path.iterdir()] == ["commands.sha256"]  # no temp file left


def test_an_empty_or_unreadable_file_means_sync(tmp_path: Path, caplog) -> None:
    fingerprint = commands_fingerprint([IMAGINE], [1])
    empty = tmp_path / "empty.sha256"
    empty.write_text("\n")
    assert SyncState(empty).needs_sync(fingerprint)
    # A directory where the file should be: reading fails with an OSError, not a crash.
    unreadable = tmp_path / "dir.sha256"
    unreadable.mkdir()
    assert SyncState(unreadable).needs_sync(fingerprint)
    assert "commands will be synced" in caplog.text
