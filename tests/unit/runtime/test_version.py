"""The version the bot reports is the one the package is built with."""

from __future__ import annotations

import tomllib
from pathlib import Path

import runtime

PYPROJECT = Path(__file__).resolve().parents[3] / "pyproject.toml"


def test_runtime_version_is_pyprojects() -> None:
    with PYPROJECT.open("rb") as file:
        project = tomllib.load(file)["project"]
    assert runtime.__version__ == project["version"]
