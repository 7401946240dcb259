"""The private answer of the Details button: everything about a result, from its row."""

from __future__ import annotations

from cogs.imagine.embed import differing_revision
from cogs.imagine.words import (
    DETAILS_ASKED_BY,
    DETAILS_IMAGE,
    DETAILS_NEGATIVE,
    DETAILS_OFF,
    DETAILS_ON,
    DETAILS_PROMPT,
    DETAILS_REVISED,
    DETAILS_SECONDS,
    DETAILS_SETTINGS,
)
from imagecore.delivery.text_limits import clip
from imagecore.i18n import Message
from imagecore.i18n.sizes import size_message
from imagecore.storage import ImageResult, JobRecord

__all__ = ["details_text"]

# Discord's message limit is 2000: the prompt (800) and negative prompt (500) are bounded
# by the command; revised prompts, unbounded, share what is left.
REVISED_ROOM = 300


def details_text(record: JobRecord) -> list[str | Message]:
    """The lines of the answer, each said in the member's language when it is sent."""
    lines: list[str | Message] = [Message(DETAILS_PROMPT, {"prompt": record.prompt})]
    if record.negative_prompt:
        lines.append(Message(DETAILS_NEGATIVE, {"negative": record.negative_prompt}))
    results = record.results or (ImageResult(record.seed, record.revised_prompt),)
    revisions = [differing_revision(record.prompt, r.revised_prompt) for r in results]
    for revised in dict.fromkeys(r for r in revisions if r):  # each distinct one, in order
        lines.append(Message(DETAILS_REVISED, {"revised": clip(revised, REVISED_ROOM)}))
    settings = {
        "size": size_message(record.size),
        "model": record.model,
        "extend": Message(DETAILS_ON if record.prompt_extend else DETAILS_OFF),
        "watermark": Message(DETAILS_ON if record.watermark else DETAILS_OFF),
    }
    lines.append(Message(DETAILS_SETTINGS, settings))
    for number, result in enumerate(results, 1):
        image = {
            "number": number,
            "seed": "?" if result.seed is None else result.seed,
            "request_id": result.request_id or "?",
        }
        lines.append(Message(DETAILS_IMAGE, image))
    if record.latency_seconds is not None:
        lines.append(Message(DETAILS_SECONDS, {"seconds": round(record.latency_seconds, 1)}))
    asked = {"user_id": record.user_id, "when": int(record.created_at)}
    lines.append(Message(DETAILS_ASKED_BY, asked))
    return lines
