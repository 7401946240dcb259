"""Servers' blocked-word rules, compiled once per settings value and matched off the loop.

One entry per server, replaced when that server's rules change: the cache cannot thrash
however many servers there are (a shared per-rule LRU did, past ~20 servers of 100 rules),
and it holds nothing for servers without rules.
"""

from __future__ import annotations

import asyncio
import logging

from imagecore.policy.blocked_words import CLEAR, BlockedWords, Verdict

__all__ = ["COMPILE_WAIT", "RuleBook"]

log = logging.getLogger(__name__)

# How long one request waits for its server's rules to compile. Stored rules compile in
# milliseconds; a hostile one stored before validation can take seconds, and the request
# must still be answered within Discord's 3-second window. The compile goes on for the next.
COMPILE_WAIT = 1.0

_NO_RULES = BlockedWords()


class RuleBook:
    def __init__(self, *, compile_wait: float = COMPILE_WAIT) -> None:
        self._compile_wait = compile_wait
        self._entries: dict[int | None, tuple[tuple[str, ...], asyncio.Future[BlockedWords]]] = {}
        self.compiles = 0  # rule sets built so far, for logs and tests

    def _compiled(
        self, guild_id: int | None, rules: tuple[str, ...]
    ) -> asyncio.Future[BlockedWords]:
        entry = self._entries.get(guild_id)
        # A compile that failed outright (not an invalid rule: those are recorded) is retried.
        if entry is not None and entry[0] == rules and not _failed(entry[1]):
            return entry[1]
        self.compiles += 1
        log.debug("compiling %d blocked-word rule(s) for server %s", len(rules), guild_id)
        # One compile per value, in a worker thread, shared by every request that asks
        # while it runs. A plain executor future: nothing runs on the loop meanwhile.
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(None, BlockedWords.compile, rules)
        self._entries[guild_id] = (rules, future)
        return future

    async def rules_for(self, guild_id: int | None, rules: tuple[str, ...]) -> BlockedWords:
        """The compiled rules; raises TimeoutError if they take longer than compile_wait."""
        if not rules:
            self._entries.pop(guild_id, None)
            return _NO_RULES
        future = self._compiled(guild_id, rules)
        # Shielded: one request giving up must not cancel the compile for the others.
        async with asyncio.timeout(self._compile_wait):
            return await asyncio.shield(future)

    async def check(self, guild_id: int | None, rules: tuple[str, ...], *texts: str) -> Verdict:
        """The rules' verdict on ``texts``, reached in a worker thread."""
        if not rules:
            return CLEAR
        try:
            compiled = await self.rules_for(guild_id, rules)
        except TimeoutError:
            log.warning("blocked-word rules of server %s are still compiling", guild_id)
            return Verdict("unchecked", "the rules are still being prepared")
        return await asyncio.to_thread(compiled.match, *texts)

    def forget(self, guild_id: int) -> None:
        """Drop a server's entry (the bot left it)."""
        self._entries.pop(guild_id, None)


def _failed(future: asyncio.Future[BlockedWords]) -> bool:
    return future.done() and (future.cancelled() or future.exception() is not None)
