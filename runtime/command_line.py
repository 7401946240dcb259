"""`python bot.py --help` and `--version`: answered before anything else happens, so neither
reads .env, opens the database nor logs in."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from runtime import __version__

__all__ = ["parse_command_line"]

DESCRIPTION = (
    "A self-hosted Discord bot that makes images with Alibaba Cloud Bailian's qwen-image "
    "models. It takes no arguments: everything is set in the environment or in a .env file "
    "(see .env.example and README.md)."
)


def parse_command_line(argv: Sequence[str]) -> None:
    """Exits (0) after --help or --version, and (2, with usage) on anything unknown."""
    parser = argparse.ArgumentParser(prog="bot.py", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"qwen-image-bot {__version__}")
    _, unknown = parser.parse_known_args(list(argv))
    if unknown:
        # Not echoed: someone may have tried to pass the token this way.
        parser.exit(
            2,
            f"{parser.format_usage()}bot.py: takes no arguments besides --help and --version; "
            "settings go in the environment or .env\n",
        )
