"""Markers for the member-facing English that the catalogs translate.

``N_`` and ``NP_`` change nothing at run time: they only tell ``pybabel extract`` (see
babel.cfg) which literals are messages. The English stays the message id, so a
constant marked ``N_("Deleted.")`` is still the string ``"Deleted."`` everywhere it is used.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["NP_", "N_", "Plural"]


class Plural(NamedTuple):
    """A sentence whose English depends on a count: ``singular`` for 1, else ``plural``.
    Each catalog has as many forms as its language needs (Chinese has one)."""

    singular: str
    plural: str

    def english(self, count: int) -> str:
        return self.singular if count == 1 else self.plural


def N_(message: str) -> str:
    """Mark ``message`` for extraction; return it unchanged."""
    return message


def NP_(singular: str, plural: str) -> Plural:
    """Mark a singular/plural pair for extraction (keyword ``NP_:1,2``)."""
    return Plural(singular, plural)
