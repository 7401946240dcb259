"""What members read when something goes wrong or a server's rules say no."""

from __future__ import annotations

import pytest

from cogs.utils import sentences
from cogs.utils.sentences import UNEXPECTED, queue_full, refusal_sentence, sentence_for
from imagecore.api import errors
from imagecore.api.errors import ImageAPIError
from imagecore.policy.admission import RequestContext, decide, next_reset
from imagecore.policy.blocked_words import BlockedWords
from imagecore.policy.guild_settings import BotDefaults, GuildSettings
from imagecore.policy.limits import effective_limits

NOW = 1_772_409_540.0  # 2026-03-01 23:59 UTC


def api_error_classes() -> list[type[ImageAPIError]]:
    """Every ImageAPIError subclass the core defines, however deep."""
    found: list[type[ImageAPIError]] = []
    todo = [ImageAPIError]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub.__module__ == errors.__name__:
                found.append(sub)
                todo.append(sub)
    return found


def test_every_api_error_class_has_a_sentence_of_its_own() -> None:
    classes = api_error_classes()
    assert len(classes) >= 10
    listed = dict(sentences.SENTENCES)
    unlisted = sorted(cls.__name__ for cls in classes if cls not in listed)
    assert unlisted == [], f"no sentence of their own (they borrow a parent's): {unlisted}"
    said = {cls: sentence_for(cls("status=500 code=X request_id=abc")) for cls in classes}
    # A subclass is answered with its own sentence, not its parent's (most specific first).
    assert said == {cls: listed[cls] for cls in classes}
    assert UNEXPECTED not in said.values()
    assert len(set(said.values())) == len(classes)  # no two kinds of trouble read alike


def test_the_owners_detail_never_reaches_the_member() -> None:
    for cls in api_error_classes():
        assert "request_id" not in sentence_for(cls("request_id=abc sk-secret", status=401))


@pytest.mark.parametrize("error", [ImageAPIError("?"), RuntimeError("bug"), KeyError("x")])
def test_anything_else_is_the_unexpected_sentence(error: BaseException) -> None:
    assert sentence_for(error) == UNEXPECTED


def test_queue_full_counts_in_singular_and_plural() -> None:
    assert "You already have 1 image waiting," in queue_full(1)
    assert "You already have 3 images waiting," in queue_full(3)


BOT = BotDefaults("1328*1328", "", True, False, "qwen-image", 3)


def refusal_of(kind: str) -> tuple[str, str, float | None]:
    """A real refusal of each kind, made by the admission rules themselves."""
    settings = GuildSettings()
    ctx = RequestContext(
        guild_id=1,
        channel_id=10,
        role_ids=(),
        prompt="a red cat",
        negative_prompt="",
        now=NOW,
        last_job_at=None,
        user_today=0,
        guild_today=0,
        pending=0,
    )
    match kind:
        case "channel":
            settings = GuildSettings(allowed_channel_ids=(11, 12))
        case "role":
            settings = GuildSettings(allowed_role_ids=(5,))
        case "blocked_word":
            settings = GuildSettings(blocked_words=("cat",))
        case "cooldown":
            settings = GuildSettings(cooldown_seconds=30)
            ctx = RequestContext(**{**_fields(ctx), "last_job_at": NOW - 10})
        case "user_daily":
            settings = GuildSettings(user_daily_images=5)
            ctx = RequestContext(**{**_fields(ctx), "user_today": 5})
        case "guild_daily":
            settings = GuildSettings(guild_daily_images=50)
            ctx = RequestContext(**{**_fields(ctx), "guild_today": 50})
    if kind == "unchecked":
        settings = GuildSettings(blocked_words=("re:(a+)+$",))
        ctx = RequestContext(**{**_fields(ctx), "prompt": "a" * 5000 + "!"})
    limits = effective_limits(BOT, settings, ctx.role_ids)
    verdict = BlockedWords.compile(settings.blocked_words).match(ctx.prompt, ctx.negative_prompt)
    refused = decide(settings, limits, ctx, verdict)
    assert refused is not None and refused.kind == kind
    return refused.kind, refused.detail, refused.retry_at


def _fields(ctx: RequestContext) -> dict[str, object]:
    return {name: getattr(ctx, name) for name in RequestContext.__slots__}


EXPECTED = {
    "channel": "/imagine can't be used in this channel. Try <#11>, <#12>.",
    "role": "On this server, /imagine is open to certain roles only, and you don't have one.",
    "blocked_word": "This prompt can't be drawn here: it matches the server's blocked-word rule “cat”.",
    "cooldown": "Please wait 20 s before your next image.",
    "user_daily": "You've had your 5 images for today. The count resets at 00:00 UTC, in 1 min.",
    "guild_daily": "This server has used its 50 images for today. The count resets at 00:00 UTC, in 1 min.",
    "unchecked": (
        "This prompt could not be checked against the server's rules in time, so it was not "
        "drawn. Try a shorter prompt."
    ),
}


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_each_refusal_kind_has_its_sentence(kind: str) -> None:
    assert refusal_sentence(*refusal_of(kind), now=NOW) == EXPECTED[kind]


def test_an_unknown_refusal_kind_still_reads_plainly() -> None:
    assert refusal_sentence("new_rule", "x", None, NOW) == "This request can't be taken right now."


@pytest.mark.parametrize(
    ("wait", "said"),
    [
        (-5, "1 s"),  # already over: never "0 s" or a negative wait
        (0.2, "1 s"),
        (59, "59 s"),
        (60, "1 min"),
        (59 * 60, "59 min"),
        (60 * 60, "1 h 0 min"),
        (3 * 3600 + 5 * 60, "3 h 5 min"),
    ],
)
def test_waits_read_in_the_largest_sensible_unit(wait: float, said: str) -> None:
    assert (
        refusal_sentence("cooldown", "30", NOW + wait, NOW)
        == f"Please wait {said} before your next image."
    )


def test_the_daily_reset_wait_counts_to_midnight_utc() -> None:
    morning = NOW - 23 * 3600  # 00:59 UTC the same day
    sentence = refusal_sentence("user_daily", "5", next_reset(morning), morning)
    assert sentence.endswith("in 23 h 1 min.")
