"""Blocked-word rules refuse what they cannot check: never a prompt let through because
the rules ran out of time (the reproduction from the issue is below, verbatim)."""

from __future__ import annotations

import pytest

from imagecore.policy.admission import Admission, RequestContext
from imagecore.policy.blocked_words import BlockedWords, InvalidRule, compile_rule
from imagecore.policy.guild_settings import GuildSettings
from imagecore.policy.limits import EffectiveLimits

# Each passes the add-time probes, and each takes its full 0.05 s timeout on "x" * 800:
# four of them used up the whole 0.2 s budget, and the rules after them were skipped.
SLOW = ("re:(x+x+)+y", "re:(x|xx)+z", "re:(x+)+y", "re:((x+)+)+q")
NO_LIMITS = EffectiveLimits(
    cooldown_seconds=0, max_pending_per_user=3, user_daily_images=None, guild_daily_images=None
)


def ctx(prompt: str, negative_prompt: str = "") -> RequestContext:
    return RequestContext(
        guild_id=1,
        channel_id=10,
        role_ids=(),
        prompt=prompt,
        negative_prompt=negative_prompt,
        now=0.0,
        last_job_at=None,
        user_today=0,
        guild_today=0,
        pending=0,
    )


@pytest.mark.parametrize("rule", SLOW)
def test_the_slow_rules_pass_the_add_time_checks(rule):
    assert compile_rule(rule).text == rule


async def test_the_reproduction_is_refused_by_the_plain_word():
    settings = GuildSettings(blocked_words=(*SLOW, "gore"))
    refusal = await Admission().check(settings, NO_LIMITS, ctx("gore " + "x" * 800))
    assert refusal is not None
    assert (refusal.kind, refusal.detail) == ("blocked_word", "gore")


async def test_a_prompt_only_the_slow_rules_could_decide_is_refused_as_unchecked():
    settings = GuildSettings(blocked_words=(*SLOW, "gore"))
    refusal = await Admission().check(settings, NO_LIMITS, ctx("x" * 800))
    assert refusal is not None
    assert refusal.kind == "unchecked" and refusal.retry_at is None
    assert "timed out" in refusal.detail  # for the moderators' log


def test_plain_words_are_tried_first_whatever_the_order_of_the_rules():
    verdict = BlockedWords.compile((*SLOW, "gore")).match("x" * 800, "gore")
    assert (verdict.kind, verdict.detail) == ("blocked", "gore")


def test_a_definite_match_after_a_slow_rule_still_names_the_rule():
    verdict = BlockedWords.compile((SLOW[0], "re:^x{3}")).match("x" * 800)
    assert (verdict.kind, verdict.detail) == ("blocked", "re:^x{3}")


def test_when_the_budget_runs_out_the_prompt_is_unchecked_not_clear():
    # Eight slow searches (four rules, two texts) against a budget of four: the last rule
    # is never tried, and the one after that would have matched.
    verdict = BlockedWords.compile((*SLOW, "re:never-tried")).match("x" * 800, "x" * 800)
    assert verdict.kind == "unchecked"


def test_an_invalid_stored_rule_leaves_prompts_unchecked_unless_another_rule_matches():
    # Stored before validation, or by another version: it can no longer be compiled.
    rules = BlockedWords.compile(("re:(", "gore", "re:^nsfw"))
    assert rules.invalid == ("re:(",)
    assert rules.match("lots of gore").detail == "gore"
    assert rules.match("nsfw art").detail == "re:^nsfw"
    verdict = rules.match("a cat")
    assert verdict.kind == "unchecked" and "re:(" in verdict.detail


def test_rules_that_match_nothing_clear_the_prompt():
    assert BlockedWords.compile(("gore", "re:^nsfw")).match("a cat", "blurry").kind == "clear"
    assert BlockedWords.compile(()).match("anything").kind == "clear"


def test_a_rule_too_slow_to_compile_is_refused_when_added():
    # Under 100 characters, and over half a second to compile: it would stall every build.
    with pytest.raises(InvalidRule, match="too complex"):
        compile_rule("re:(?:a{1000}){2000}")
