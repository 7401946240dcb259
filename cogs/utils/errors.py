"""The exception a command raises when a member's input can't be used: the command tree
says its message to them privately, in their language, and nothing changes."""

from __future__ import annotations

from imagecore.i18n import Message, SayableError

__all__ = ["InvalidInput"]


class InvalidInput(Exception):
    def __init__(self, what: str | Message) -> None:
        super().__init__(what if isinstance(what, str) else what.text)
        self.message = what

    @classmethod
    def because(cls, exc: ValueError) -> InvalidInput:
        """A core check's refusal, its sentence kept whole for translation."""
        return cls(exc.message if isinstance(exc, SayableError) else str(exc))
