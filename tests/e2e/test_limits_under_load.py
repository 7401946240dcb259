"""Admission holds under a burst, and every failure on the way to the channel ends in a
record and a sentence: the real bot against the Discord and image API stand-ins."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from cogs.utils.sentences import UPLOAD_FAILED
from imagecore.policy.admission import utc_day
from tests.support.bot_harness import Harness, harness


@pytest.fixture
async def h(tmp_path) -> AsyncIterator[Harness]:
    async with harness(tmp_path) as running:
        yield running
        assert running.discord.internal_errors == []


def posted(record) -> bool:
    message = record.final_message
    return message is not None and bool(message.attachments)


def told(record) -> str | None:
    visible = [m for m in record.messages if not m.deleted]
    if record.acknowledged and not record.loading and visible and all(m.ephemeral for m in visible):
        return visible[-1].content
    return None


async def finished(record, within: float = 20.0):
    await record.wait_for(lambda r: posted(r) or told(r) is not None, within)
    return record


async def burst(h: Harness, members, prompt: str = "burst") -> list:
    records = await asyncio.gather(*(h.imagine(user=m, prompt=prompt) for m in members))
    return list(await asyncio.gather(*(finished(r) for r in records)))


async def test_a_burst_from_one_member_gets_exactly_their_daily_budget(h):
    await h.restart_bot(USER_DAILY_IMAGES="3", MAX_PENDING_PER_USER="10")
    records = await burst(h, [h.alice] * 8)
    assert sum(posted(r) for r in records) == 3
    refused = [told(r) for r in records if not posted(r)]
    assert len(refused) == 5
    assert all(text and "You've had your 3 images" in text for text in refused)
    # told() holds only for answers that left nothing public: every refusal was decided
    # before the acknowledgement.
    assert h.api.generation_calls == 3


async def test_a_burst_across_members_stops_at_the_server_cap(h):
    set_cap = await h.discord.invoke(
        h.guild, h.channel, h.mod, "imagine-settings limits", server_daily=2
    )
    await set_cap.wait_done(timeout=10)
    members = [h.discord.add_member(h.guild, name=f"m{i}") for i in range(6)]
    records = await burst(h, members)
    assert sum(posted(r) for r in records) == 2
    assert h.api.generation_calls == 2
    assert all(
        "This server has used its 2 images" in (told(r) or "") for r in records if not posted(r)
    )


async def test_a_burst_never_passes_the_pending_limit(h):
    await h.restart_bot(MAX_PENDING_PER_USER="2")
    h.api.latency = 0.3
    records = await burst(h, [h.alice] * 6)
    accepted = [r for r in records if posted(r)]
    assert len(accepted) == 2
    assert all(
        "waiting, the most one member may have" in (told(r) or "") for r in records if not posted(r)
    )


async def test_an_upload_whose_connection_drops_is_recorded_and_told(h):
    h.discord.inject_disconnect(r"/webhooks/\d+/[^/]+/messages/@original", uploads_only=True)
    record = await finished(await h.imagine(prompt="lost on the way"))
    assert told(record) == UPLOAD_FAILED
    assert h.api.generation_calls == 1
    await h.bot.ledger.drain(5)
    (job,) = await h.bot.storage.recent_jobs(user_id=h.alice.user.id)
    assert (job.status, job.error_class) == ("failed", "UploadFailed")
    assert len(job.attempts) == 1 and job.attempts[0].outcome == "ok"
    # Not delivered, so not counted against the member's day.
    usage = await h.bot.storage.usage(
        user_id=h.alice.user.id, guild_id=h.guild.id, day=utc_day(time.time())
    )
    assert usage.user_today == 0
    # The member's next image goes through as usual.
    assert posted(await finished(await h.imagine(prompt="again")))
