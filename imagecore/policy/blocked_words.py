"""Moderators' blocked-word rules: whole words, or ``re:`` regular expressions.

Patterns come from moderators, so each runs with a time limit (the ``regex`` module's
``timeout``) and is tried on a hostile input when it is added: no rule can hang the bot.
"""

from __future__ import annotations

import functools
import logging
import time
from dataclasses import dataclass

import regex

__all__ = [
    "MAX_RULES",
    "MAX_RULE_LENGTH",
    "BlockedRule",
    "InvalidRule",
    "compile_rule",
    "first_match",
]

log = logging.getLogger(__name__)

MAX_RULE_LENGTH = 100
MAX_RULES = 100
MATCH_TIMEOUT = 0.05  # seconds per rule per prompt
TOTAL_BUDGET = 0.2  # seconds for all rules on one request
PROBES = (
    "a" * 800 + "!",
    "ab" * 400 + "!",
    " " * 800 + "!",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" * 25 + "\n",
)


class InvalidRule(ValueError):
    """Said to the moderator as is."""


@dataclass(frozen=True, slots=True)
class BlockedRule:
    text: str  # as the moderator entered it, e.g. "gore" or "re:^nsfw"
    pattern: regex.Pattern[str]


def compile_rule(text: str) -> BlockedRule:
    text = text.strip()
    if not text or text == "re:":
        raise InvalidRule("The rule is empty.")
    if len(text) > MAX_RULE_LENGTH:
        raise InvalidRule(f"A rule may be at most {MAX_RULE_LENGTH} characters.")
    if text.startswith("re:"):
        source = text[3:]
        try:
            pattern = regex.compile(source, regex.IGNORECASE | regex.VERSION0)
        except (regex.error, OverflowError, RecursionError) as exc:
            raise InvalidRule(f"That regular expression is not valid: {exc}.") from None
        for probe in PROBES:
            try:
                pattern.search(probe, timeout=MATCH_TIMEOUT)
            except TimeoutError:
                raise InvalidRule(
                    "That regular expression is too slow on long prompts; simplify it "
                    "(nested repeats such as (a+)+ are the usual cause)."
                ) from None
        if pattern.search(""):
            raise InvalidRule("That regular expression matches every prompt.")
    else:
        # Whole words: not inside a longer word, case-insensitive.
        pattern = regex.compile(r"(?<!\w)" + regex.escape(text) + r"(?!\w)", regex.IGNORECASE)
    return BlockedRule(text, pattern)


@functools.lru_cache(maxsize=2048)
def _cached_rule(text: str) -> BlockedRule:
    # Rules are checked on every /imagine; compiling and probing them once is enough.
    return compile_rule(text)


def first_match(rules: tuple[str, ...], *texts: str) -> str | None:
    """The first rule that matches any of ``texts``, as the moderator wrote it.

    All rules together get TOTAL_BUDGET seconds: this runs on the event loop, which
    serves every member, and a crafted prompt must not stall it.
    """
    deadline = time.monotonic() + TOTAL_BUDGET
    for text in rules:
        try:
            rule = _cached_rule(text)
        except InvalidRule:
            log.warning("skipping an invalid blocked-word rule %r", text)
            continue
        for candidate in texts:
            left = deadline - time.monotonic()
            if left <= 0:
                log.warning("blocked-word rules ran out of time; the rest were skipped")
                return None
            try:
                if rule.pattern.search(candidate, timeout=min(MATCH_TIMEOUT, left)):
                    return rule.text
            except TimeoutError:
                # Fail open: a slow rule must not block every prompt; moderators see it.
                log.warning("blocked-word rule %r timed out; ignoring it for this prompt", text)
    return None
