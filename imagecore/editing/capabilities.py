"""What each qwen-image model takes, in one table, so a request carries only what its model
accepts (the provider refuses the rest, or ignores it silently).

Figures from Bailian's model pages (see API-NOTES): the generation models make one image a
call at five fixed sizes; the 2.0/3.0 series and the edit-plus/max models take a custom
``W*H`` and up to 6 outputs; plain qwen-image-edit makes one image and takes no size and
no prompt_extend. A dated snapshot ("qwen-image-edit-plus-2025-10-30") is its family's.
A self-hoster can override any entry (``IMAGE_MODEL_CAPABILITIES``, parsed elsewhere).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["MODELS", "ModelCapabilities", "capabilities_for", "parse_overrides"]


@dataclass(frozen=True, slots=True)
class ModelCapabilities:
    generates: bool = True
    edits: bool = False
    max_inputs: int = 0  # input images an edit takes
    max_outputs: int = 1  # images one call can make (the request's ``n``)
    size: bool = True  # takes ``size``
    custom_size: bool = False  # any W*H within side_range, not only the listed sizes
    side_range: tuple[int, int] = (512, 2048)
    prompt_extend: bool = True
    negative_prompt: bool = True
    seed: bool = True
    watermark: bool = True

    def parameter_names(self) -> frozenset[str]:
        """The ``parameters`` keys a request for this model may carry."""
        names = {"n"} if self.max_outputs > 1 else set()
        for name in ("size", "prompt_extend", "negative_prompt", "seed", "watermark"):
            if getattr(self, name):
                names.add(name)
        return frozenset(names)

    def accepts_size(self, size: str) -> bool:
        """Whether a ``W*H`` is one this model takes as a custom size."""
        match = re.fullmatch(r"(\d{2,5})\*(\d{2,5})", size)
        if not (self.size and self.custom_size and match):
            return False
        low, high = self.side_range
        return all(low <= int(side) <= high for side in match.groups())


_GENERATION = ModelCapabilities()
_SERIES = ModelCapabilities(edits=True, max_inputs=3, max_outputs=6, custom_size=True)
MODELS: Mapping[str, ModelCapabilities] = {
    "qwen-image": _GENERATION,
    "qwen-image-plus": _GENERATION,
    "qwen-image-max": _GENERATION,
    "qwen-image-2.0": _SERIES,
    "qwen-image-2.0-pro": _SERIES,
    "qwen-image-3.0": _SERIES,
    "qwen-image-3.0-pro": _SERIES,
    "qwen-image-edit": ModelCapabilities(
        generates=False, edits=True, max_inputs=3, size=False, prompt_extend=False
    ),
    "qwen-image-edit-plus": dataclasses.replace(_SERIES, generates=False),
    "qwen-image-edit-max": dataclasses.replace(_SERIES, generates=False),
}
_SNAPSHOT = re.compile(r"-(?:\d{4}-\d{2}-\d{2}|\d{4})$")


def capabilities_for(
    model: str, overrides: Mapping[str, ModelCapabilities] | None = None
) -> ModelCapabilities:
    """The model's entry; a dated snapshot falls back to its family, and a model nobody
    knows is treated as a plain generation model (the narrowest, safest request)."""
    table = {**MODELS, **(overrides or {})}
    name = model.strip().lower()
    while name:
        if name in table:
            return table[name]
        stripped = _SNAPSHOT.sub("", name)
        if stripped == name:
            break
        name = stripped
    return _GENERATION


def parse_overrides(raw: str) -> dict[str, ModelCapabilities]:
    """``model:key=value;key=value, model2:…`` into entries on top of the known ones.

    Keys are the field names (``edits=true``, ``max_outputs=4``, ``size=false``); raises
    ValueError naming what is wrong."""
    result: dict[str, ModelCapabilities] = {}
    fields = {field.name: field for field in dataclasses.fields(ModelCapabilities)}
    for entry in filter(None, (part.strip() for part in raw.split(","))):
        model, colon, settings = entry.partition(":")
        model = model.strip().lower()
        if not colon or not model:
            raise ValueError(f"expected model:key=value, got {entry!r}")
        changes: dict[str, object] = {}
        for pair in filter(None, (part.strip() for part in settings.split(";"))):
            key, equals, value = (piece.strip() for piece in pair.partition("="))
            if not equals or key not in fields or key == "side_range":
                raise ValueError(f"unknown setting {key!r} for {model}")
            changes[key] = _value(key, value, fields[key].type)
        result[model] = dataclasses.replace(capabilities_for(model, result), **changes)
    return result


def _value(key: str, value: str, kind: object) -> object:
    if kind in (bool, "bool"):
        if value.lower() not in ("true", "false"):
            raise ValueError(f"{key} must be true or false, got {value!r}")
        return value.lower() == "true"
    if not value.isdigit() or not 0 <= int(value) <= 10:
        raise ValueError(f"{key} must be a whole number from 0 to 10, got {value!r}")
    return int(value)
