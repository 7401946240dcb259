"""The private answer of the Details button: everything about a result, from its row."""

from __future__ import annotations

from cogs.imagine.embed import differing_revision
from cogs.imagine.words import (
    DETAILS_ASKED_BY,
    DETAILS_IMAGE,
    DETAILS_NEGATIVE,
    DETAILS_PROMPT,
    DETAILS_REVISED,
    DETAILS_SECONDS,
    DETAILS_SETTINGS,
)
from imagecore.delivery.text_limits import clip
from imagecore.policy.sizes import size_label
from imagecore.storage import ImageResult, JobRecord

__all__ = ["details_text"]

# Discord's message limit is 2000: the prompt (800) and negative prompt (500) are bounded
# by the command; revised prompts, unbounded, share what is left.
REVISED_ROOM = 300


def details_text(record: JobRecord) -> str:
    lines = [DETAILS_PROMPT.format(prompt=record.prompt)]
    if record.negative_prompt:
        lines.append(DETAILS_NEGATIVE.format(negative=record.negative_prompt))
    results = record.results or (ImageResult(record.seed, record.revised_prompt),)
    revisions = [differing_revision(record.prompt, r.revised_prompt) for r in results]
    for revised in dict.fromkeys(r for r in revisions if r):  # each distinct one, in order
        lines.append(DETAILS_REVISED.format(revised=clip(revised, REVISED_ROOM)))
    lines.append(
        DETAILS_SETTINGS.format(
            size=size_label(record.size),
            model=record.model,
            extend="on" if record.prompt_extend else "off",
            watermark="on" if record.watermark else "off",
        )
    )
    for number, result in enumerate(results, 1):
        lines.append(
            DETAILS_IMAGE.format(
                number=number,
                seed="?" if result.seed is None else result.seed,
                request_id=result.request_id or "?",
            )
        )
    if record.latency_seconds is not None:
        lines.append(DETAILS_SECONDS.format(seconds=f"{record.latency_seconds:.1f}"))
    lines.append(DETAILS_ASKED_BY.format(user_id=record.user_id, when=int(record.created_at)))
    return "\n".join(lines)
