"""One small module per wire format of the image API, behind the :class:`ApiStyle` interface:
the request's path and body, the images of a 200 answer, and the error class of any other.

``relay`` (the contract's relay, default), ``dashscope`` (Bailian's native API) and
``openai`` (OpenAI-shaped relays). :func:`make_style` picks one by its settings name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from imagecore.api.styles.base import STYLE_NAMES, ApiStyle, ParsedAnswer
from imagecore.api.styles.dashscope import DashScopeStyle
from imagecore.api.styles.openai import OPENAI_EXTRA_FIELDS, OpenAIStyle
from imagecore.api.styles.relay import RelayStyle
from imagecore.editing.capabilities import ModelCapabilities

__all__ = [
    "OPENAI_EXTRA_FIELDS",
    "STYLE_NAMES",
    "ApiStyle",
    "DashScopeStyle",
    "OpenAIStyle",
    "ParsedAnswer",
    "RelayStyle",
    "make_style",
]


def make_style(
    name: str,
    *,
    extra_fields: Iterable[str] = (),
    region_hint: str = "",
    models: Mapping[str, ModelCapabilities] | None = None,
) -> ApiStyle:
    """The style called ``name``. ``extra_fields`` only matter to ``openai``;
    ``region_hint`` is the sentence ``dashscope`` adds to a refused key; ``models``
    overrides what each model takes (relay and dashscope send only that)."""
    match name:
        case "relay":
            return RelayStyle(models=dict(models or {}))
        case "dashscope":
            return DashScopeStyle(region_hint=region_hint, models=dict(models or {}))
        case "openai":
            return OpenAIStyle(extra_fields=frozenset(extra_fields))
    raise ValueError(f"unknown image API style {name!r}; one of {', '.join(STYLE_NAMES)}")
