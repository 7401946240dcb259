"""The exception a command raises when a member's input can't be used: the command tree
says its message to them as is (privately) and nothing changes."""

from __future__ import annotations

__all__ = ["InvalidInput"]


class InvalidInput(Exception):
    pass
