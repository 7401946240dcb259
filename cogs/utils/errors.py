"""An exception a command raises when a member's input can't be used: its message is
said to them as is (ephemeral) and nothing changes."""

from __future__ import annotations

__all__ = ["Refused"]


class Refused(Exception):
    pass
