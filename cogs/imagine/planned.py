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

__all__ = ["Build", "Finish", "Planned", "request_from"]

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


def request_from(record: JobRecord, defaults: BotDefaults, **changes: object) -> ImageRequest:
    """The recorded request again, with a fresh seed to come and ``changes`` applied. A
    model or size no longer offered gives way to the bot's default. ValueError (a reason)
    when the edited request can't be drawn."""
    if not defaults.capabilities_of(record.model).generates:
        # An edit: its input pictures are not kept, so it can't be run from the row alone.
        raise SayableError(EDIT_NOT_RERUNNABLE)
    models = defaults.models or (defaults.model,)
    sizes = defaults.sizes or (defaults.size,)
    request = ImageRequest(
        prompt=record.prompt,
        model=record.model if record.model in models else defaults.model,
        size=record.size if record.size in sizes else defaults.size,
        prompt_extend=record.prompt_extend,
        watermark=record.watermark,
        negative_prompt=record.negative_prompt,
        seed=None,
    )
    prompt = changes.pop("prompt", None)
    if isinstance(prompt, str):
        # A revised prompt may be longer than a member could type: the start is kept.
        changes["prompt"] = prompt.strip()[:MAX_PROMPT]
    return replace(request, **changes)
