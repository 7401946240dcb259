"""What a member asked for, and the JSON body the image API expects for it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from imagecore.editing.capabilities import ModelCapabilities, capabilities_for
from imagecore.i18n import N_, SayableError

__all__ = ["MAX_NEGATIVE_PROMPT", "MAX_PROMPT", "MAX_SEED", "ImageRequest", "build_payload"]

MAX_PROMPT = 800
MAX_NEGATIVE_PROMPT = 500
MAX_SEED = 2_147_483_647

EMPTY_PROMPT = N_("That request can't be drawn: the prompt is empty.")
PROMPT_TOO_LONG = N_("That request can't be drawn: the prompt is longer than {limit} characters.")
NEGATIVE_TOO_LONG = N_(
    "That request can't be drawn: the negative prompt is longer than {limit} characters."
)
SEED_OUT_OF_RANGE = N_("That request can't be drawn: the seed must be between 0 and {limit}.")


@dataclass(frozen=True, slots=True)
class ImageRequest:
    """A fully resolved request: every default already merged in."""

    prompt: str
    model: str
    size: str
    prompt_extend: bool
    watermark: bool
    negative_prompt: str = ""
    seed: int | None = None
    # Input pictures for an edit, as ``data:`` URIs or public URLs, numbered in order.
    images: tuple[str, ...] = ()
    # The link to the Discord message an edit's pictures came from (shown, never sent).
    edited_from: str = ""

    def __post_init__(self) -> None:
        # Discord enforces these too; the core checks again so no caller can send junk upstream.
        if not self.prompt.strip():
            raise SayableError(EMPTY_PROMPT)
        if len(self.prompt) > MAX_PROMPT:
            raise SayableError(PROMPT_TOO_LONG, limit=MAX_PROMPT)
        if len(self.negative_prompt) > MAX_NEGATIVE_PROMPT:
            raise SayableError(NEGATIVE_TOO_LONG, limit=MAX_NEGATIVE_PROMPT)
        if self.seed is not None and not 0 <= self.seed <= MAX_SEED:
            raise SayableError(SEED_OUT_OF_RANGE, limit=MAX_SEED)


def build_payload(
    request: ImageRequest, models: Mapping[str, ModelCapabilities] | None = None
) -> dict[str, Any]:
    """The request body of POST /images/generations, as the contract spells it, with only
    the parameters the request's model takes (``models``: the self-hoster's overrides of
    the capability table)."""
    parameters: dict[str, Any] = {
        "prompt_extend": request.prompt_extend,
        "watermark": request.watermark,
        # Always explicit: the provider's own default size has changed before.
        "size": request.size,
    }
    if request.negative_prompt.strip():
        parameters["negative_prompt"] = request.negative_prompt
    if request.seed is not None:
        parameters["seed"] = request.seed
    taken = capabilities_for(request.model, models).parameter_names()
    return {
        "model": request.model,
        "input": {"messages": [{"role": "user", "content": [{"text": request.prompt}]}]},
        "parameters": {name: value for name, value in parameters.items() if name in taken},
    }
