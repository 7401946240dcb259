"""A ValueError whose reason a member reads: it keeps the sentence's message id and values
apart, so the reason is said in the reader's language, not frozen in English."""

from __future__ import annotations

from imagecore.i18n.catalogs import Catalogs, Message, Param

__all__ = ["SayableError"]


class SayableError(ValueError):
    def __init__(self, text: str, /, **params: Param) -> None:
        self.message = Message(text, params)
        # The English (nested messages said too), for logs and callers that only know
        # ValueError. Built from the message ids alone: no catalog is read.
        super().__init__(Catalogs.english_only().language(None).render(self.message))
