"""What the Docker image is built from: the lock it installs agrees with requirements.txt,
and it copies every first-party package the bot imports."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)", re.MULTILINE)
# Folders that are not part of the running bot.
NOT_SHIPPED = {"tests", "benchmarks"}


def pins(path: Path) -> dict[str, str]:
    text = path.read_text(encoding="utf-8")
    # Names compared as PyPI does (PEP 503): discord.py and discord-py are one package.
    return {re.sub(r"[-_.]+", "-", name).lower(): v for name, v in PIN.findall(text)}


LOCKS = [
    ("requirements.txt", "requirements.lock"),
    ("requirements-dev.txt", "requirements-dev.lock"),
]


@pytest.mark.parametrize(("pinned", "lock"), LOCKS)
def test_each_lock_pins_what_its_requirements_pin(pinned: str, lock: str) -> None:
    wanted = pins(ROOT / pinned)
    if pinned == "requirements-dev.txt":  # it includes requirements.txt with -r
        wanted |= pins(ROOT / "requirements.txt")
    locked = pins(ROOT / lock)
    assert wanted, f"{pinned} pins nothing"
    drift = {name: (v, locked.get(name)) for name, v in wanted.items() if locked.get(name) != v}
    assert drift == {}, f"{lock} is out of date: run make lock"


@pytest.mark.parametrize("lock", [lock for _, lock in LOCKS])
def test_every_locked_package_has_hashes(lock: str) -> None:
    blocks = re.split(r"\n(?=[A-Za-z0-9])", (ROOT / lock).read_text("utf-8"))
    for block in blocks:
        if PIN.match(block):
            assert "--hash=sha256:" in block, block.splitlines()[0]


def test_the_image_copies_every_first_party_package() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    copied = {line.split()[1] for line in dockerfile.splitlines() if line.startswith("COPY ")}
    packages = {
        path.parent.name
        for path in ROOT.glob("*/__init__.py")
        if path.parent.name not in NOT_SHIPPED
    }
    # Data the code reads at run time (the translation catalogs) ships too.
    data = {name for name in ("locales",) if (ROOT / name).is_dir()}
    missing = (packages | data) - copied
    assert not missing, f"not copied into the image: {sorted(missing)}"
    assert {"bot.py", "requirements.lock"} <= copied
    for folder in copied - {"bot.py", "requirements.lock"}:
        assert (ROOT / folder).is_dir(), f"the Dockerfile copies {folder}, which does not exist"
