"""Moderators' blocked-word rules: whole words, or ``re:`` regular expressions.

Patterns come from moderators, so each runs with a time limit (the ``regex`` module's
``timeout``) and is tried on hostile inputs when it is added. A prompt the rules could not
all be tried on is never let through: the verdict says so, and admission refuses it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Literal

import regex

from imagecore.i18n import N_, SayableError

__all__ = [
    "CLEAR",
    "MAX_RULES",
    "MAX_RULE_LENGTH",
    "BlockedRule",
    "BlockedWords",
    "InvalidRule",
    "Verdict",
    "compile_rule",
]

log = logging.getLogger(__name__)

MAX_RULE_LENGTH = 100
MAX_RULES = 100
MATCH_TIMEOUT = 0.05  # seconds per rule per text
TOTAL_BUDGET = 0.2  # seconds for all regular expressions on one request
COMPILE_LIMIT = 0.05  # seconds a new rule may take to compile: (?:a{1000}){1000} takes 0.4
PROBES = (
    "a" * 800 + "!",
    "ab" * 400 + "!",
    " " * 800 + "!",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" * 25 + "\n",
)
FLAGS = regex.IGNORECASE | regex.VERSION0


class InvalidRule(SayableError):
    """A rule that can't be used: a SayableError (so a ValueError), its sentence said to
    the moderator in their language."""


RULE_EMPTY = N_("The rule is empty.")
# Translators: {limit} is a number of characters.
RULE_TOO_LONG = N_("A rule may be at most {limit} characters.")
# Translators: {reason} is the regular-expression engine's own explanation, in English.
REGEX_INVALID = N_("That regular expression is not valid: {reason}.")
REGEX_TOO_COMPLEX = N_("That regular expression is too complex; simplify it.")
REGEX_TOO_SLOW = N_(
    "That regular expression is too slow on long prompts; simplify it "
    "(nested repeats such as (a+)+ are the usual cause)."
)
REGEX_MATCHES_ALL = N_("That regular expression matches every prompt.")


@dataclass(frozen=True, slots=True)
class BlockedRule:
    text: str  # as the moderator entered it, e.g. "gore" or "re:^nsfw"
    pattern: regex.Pattern[str]

    @property
    def is_regex(self) -> bool:
        return self.text.startswith("re:")


def _parse(text: str) -> BlockedRule:
    """Compile one rule without trying it on the probes (those are for new rules)."""
    text = text.strip()
    if not text or text == "re:":
        raise InvalidRule(RULE_EMPTY)
    if len(text) > MAX_RULE_LENGTH:
        raise InvalidRule(RULE_TOO_LONG, limit=MAX_RULE_LENGTH)
    if text.startswith("re:"):
        try:
            pattern = regex.compile(text[3:], FLAGS)
        except (regex.error, OverflowError, RecursionError) as exc:
            raise InvalidRule(REGEX_INVALID, reason=str(exc)) from None
    else:
        # Whole words: not inside a longer word, case-insensitive. A literal with two
        # lookarounds is linear in the prompt: it cannot run away.
        pattern = regex.compile(r"(?<!\w)" + regex.escape(text) + r"(?!\w)", regex.IGNORECASE)
    return BlockedRule(text, pattern)


def compile_rule(text: str) -> BlockedRule:
    """A new rule, checked before it is stored: valid, quick to build, quick on long
    prompts, and not matching everything. Blocks for up to ~0.3 s: call it off the loop."""
    started = time.monotonic()
    rule = _parse(text)
    if not rule.is_regex:
        return rule
    if time.monotonic() - started > COMPILE_LIMIT:
        raise InvalidRule(REGEX_TOO_COMPLEX)
    for probe in PROBES:
        try:
            rule.pattern.search(probe, timeout=MATCH_TIMEOUT)
        except TimeoutError:
            raise InvalidRule(REGEX_TOO_SLOW) from None
    if rule.pattern.search(""):
        raise InvalidRule(REGEX_MATCHES_ALL)
    return rule


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the rules say about a prompt: ``clear``, ``blocked`` (``detail`` is the rule as
    the moderator wrote it) or ``unchecked`` (``detail`` says why, for the moderators' log)."""

    kind: Literal["clear", "blocked", "unchecked"]
    detail: str = ""


CLEAR = Verdict("clear")


@dataclass(frozen=True, slots=True)
class BlockedWords:
    """One server's rules, compiled once per settings value and then only matched."""

    words: tuple[BlockedRule, ...] = ()
    patterns: tuple[BlockedRule, ...] = ()
    invalid: tuple[str, ...] = ()  # stored rules that no longer compile

    @classmethod
    def compile(cls, rules: tuple[str, ...]) -> BlockedWords:
        """Can take a while for hostile patterns (no probes here, but compiling alone can
        take 0.4 s): build it off the event loop."""
        words, patterns, invalid = [], [], []
        for text in rules:
            try:
                rule = _parse(text)
            except InvalidRule as exc:
                log.warning("blocked-word rule %r is invalid: %s", text, exc)
                invalid.append(text)
                continue
            (patterns if rule.is_regex else words).append(rule)
        return cls(tuple(words), tuple(patterns), tuple(invalid))

    def match(self, *texts: str) -> Verdict:
        """Blocking: run it in a worker thread. Whole words first (they cannot time out), so
        a plain rule refuses a prompt however slow the regular expressions are on it."""
        for rule in self.words:
            if any(rule.pattern.search(text, concurrent=True) for text in texts):
                return Verdict("blocked", rule.text)
        unchecked = ""
        deadline = time.monotonic() + TOTAL_BUDGET
        for rule in self.patterns:
            for text in texts:
                left = deadline - time.monotonic()
                if left <= 0:
                    log.warning("blocked-word rules ran out of time on one prompt")
                    return Verdict("unchecked", unchecked or "the rules ran out of time")
                try:
                    # concurrent=True releases the GIL while searching: the event loop
                    # keeps serving everyone else while this thread works.
                    found = rule.pattern.search(
                        text, timeout=min(MATCH_TIMEOUT, left), concurrent=True
                    )
                except TimeoutError:
                    log.warning("blocked-word rule %r timed out on one prompt", rule.text)
                    unchecked = unchecked or f"rule “{rule.text}” timed out"
                    continue
                if found:
                    return Verdict("blocked", rule.text)
        if unchecked:
            return Verdict("unchecked", unchecked)
        if self.invalid:
            return Verdict("unchecked", f"stored rule “{self.invalid[0]}” is invalid")
        return CLEAR
