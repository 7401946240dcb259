"""`python bot.py --version` and `--help` answer at once, without .env, database or Discord."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import runtime

BOT = Path(__file__).resolve().parents[3] / "bot.py"


def run_bot(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # An empty environment and folder: had it started, the config check would fail (exit 2).
    return subprocess.run(
        [sys.executable, str(BOT), *args],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_version_answers_without_starting(tmp_path: Path) -> None:
    done = run_bot(tmp_path, "--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"qwen-image-bot {runtime.__version__}"
    assert "configuration" not in done.stderr
    assert list(tmp_path.iterdir()) == []  # no data folder, no database


def test_help_says_how_it_is_configured(tmp_path: Path) -> None:
    done = run_bot(tmp_path, "--help")
    assert done.returncode == 0
    assert "usage: bot.py" in done.stdout
    assert ".env" in done.stdout
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_argument_is_refused_with_usage(tmp_path: Path) -> None:
    done = run_bot(tmp_path, "--token", "abc")
    assert done.returncode == 2
    assert "takes no arguments" in done.stderr
    assert "abc" not in done.stdout + done.stderr  # it may have been a secret
