"""What a request comes to once its inputs are read: the image request and how many."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from cogs.imagine.edit_words import EDIT_NOT_RERUNNABLE
from imagecore.api.request import MAX_PROMPT, ImageRequest
from imagecore.i18n import SayableError

if TYPE_CHECKING:
    from imagecore.i18n import Message
    from imagecore.policy.guild_settings import BotDefaults, GuildSettings
    from imagecore.storage import JobRecord

__all__ = ["Build", "Finish", "Planned", "is_edit", "request_from"]

# What must wait for Discord's acknowledgement because it may take longer than the 3-second
# window (fetching an edit's pictures): the request as sent, or a sentence for the member.
Finish = Callable[[ImageRequest], Awaitable["ImageRequest | str | Message"]]


@dataclass(frozen=True, slots=True)
class Planned:
    request: ImageRequest  # the seed, when set, is the member's
    count: int
    # Run after the acknowledgement, before the job takes its place in the queue; the
    # request above is what admission judged (its prompt and negative prompt stay).
    then: Finish | None = None


# Reads what the request needs (a job's row, the server's defaults) within the caller's
# time budget; a sentence for the member when it can't be made.
Build = Callable[["GuildSettings"], Awaitable["Planned | str | Message"]]


def is_edit(record: JobRecord, defaults: BotDefaults) -> bool:
    """Whether the job edited pictures. Rows from before revision 0005 don't say: a model
    that only edits did."""
    return record.is_edit or not defaults.capabilities_of(record.model).generates


def request_from(
    record: JobRecord,
    defaults: BotDefaults,
    *,
    edit_inputs: ImageRequest | None = None,
    edit_model: str | None = None,
    **changes: object,
) -> ImageRequest:
    """The recorded request again, with a fresh seed to come and ``changes`` applied. A
    model or size no longer offered gives way to the bot's default (for an edit, to
    ``edit_model``, the server's). An edit needs its input pictures back (``edit_inputs``:
    the request as its job kept it). ValueError (a reason) when the edited request can't
    be drawn."""
    if is_edit(record, defaults):
        if edit_inputs is None or not edit_inputs.images:
            raise SayableError(EDIT_NOT_RERUNNABLE)
        edit_models = defaults.edit_models or (defaults.edit_model,)
        model = record.model if record.model in edit_models else edit_model or defaults.edit_model
        images, edited_from, size = edit_inputs.images, edit_inputs.edited_from, record.size
    else:
        models = defaults.models or (defaults.model,)
        sizes = defaults.sizes or (defaults.size,)
        model = record.model if record.model in models else defaults.model
        images, edited_from = (), ""
        size = record.size if record.size in sizes else defaults.size
    request = ImageRequest(
        prompt=record.prompt,
        model=model,
        size=size,
        prompt_extend=record.prompt_extend,
        watermark=record.watermark,
        negative_prompt=record.negative_prompt,
        seed=None,
        images=images,
        edited_from=edited_from,
    )
    prompt = changes.pop("prompt", None)
    if isinstance(prompt, str):
        # A revised prompt may be longer than a member could type: the start is kept.
        changes["prompt"] = prompt.strip()[:MAX_PROMPT]
    return replace(request, **changes)
