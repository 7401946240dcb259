"""`make test` on a fresh machine: what it says about the tests it could not run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
NOTICE = (
    "PostgreSQL storage tests did not run: set TEST_POSTGRES_URL "
    "(bash .ci/start-postgres prints one)"
)


def collect(path: str, **env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k != "TEST_POSTGRES_URL"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "--collect-only", "-p", "no:cacheprovider", path],
        env=clean | env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_storage_tests_without_postgres_say_so_in_one_line():
    lines = collect("tests/unit/imagecore/storage").splitlines()
    assert lines.count(NOTICE) == 1


@pytest.mark.parametrize(
    ("path", "env"),
    [
        # PostgreSQL given: its tests are collected (nothing connects while collecting).
        ("tests/unit/imagecore/storage", {"TEST_POSTGRES_URL": "postgresql://u@127.0.0.1:9/db"}),
        # No storage test in the run, so nothing was left out.
        ("tests/unit/config/test_config.py", {}),
    ],
)
def test_no_notice_when_nothing_was_left_out(path, env):
    assert "PostgreSQL" not in collect(path, **env)
