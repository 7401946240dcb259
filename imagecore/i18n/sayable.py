"""A ValueError whose reason a member reads: it keeps the sentence's message id and values
apart, so the reason is said in the reader's language, not frozen in English."""

from __future__ import annotations

from imagecore.i18n.catalogs import Message, Param

__all__ = ["SayableError"]


class SayableError(ValueError):
    def __init__(self, text: str, /, **params: Param) -> None:
        self.message = Message(text, params)
        # The English, for logs and for callers that only know ValueError.
        super().__init__(text.format_map({name: str(v) for name, v in params.items()}))
