"""Compiled rules are built once per server's rules and matched off the event loop."""

from __future__ import annotations

import asyncio

from imagecore.policy.rule_book import RuleBook

SLOW = ("re:(x+x+)+y", "re:(x|xx)+z", "re:(x+)+y", "re:((x+)+)+q")


async def test_matching_leaves_the_event_loop_free():
    book = RuleBook()
    await book.rules_for(1, SLOW)  # compiled already: only matching is left
    task = asyncio.ensure_future(book.check(1, SLOW, "x" * 800))
    ticks = 0
    while not task.done():
        ticks += 1
        await asyncio.sleep(0)
    # Matching on the loop would finish inside the task's first step: one tick. In a
    # worker thread, this loop keeps going until the thread hands back its verdict.
    assert ticks > 1
    assert (await task).kind == "unchecked"


async def test_rules_are_compiled_once_per_value_of_a_servers_rules():
    book = RuleBook()
    rules = ("gore", "re:^nsfw")
    verdicts = await asyncio.gather(*(book.check(1, rules, "a cat") for _ in range(5)))
    assert [v.kind for v in verdicts] == ["clear"] * 5
    first = await book.rules_for(1, rules)
    assert await book.rules_for(1, tuple(rules)) is first  # an equal value: same build
    assert book.compiles == 1
    # The server changes its rules: built again, once.
    assert (await book.check(1, (*rules, "blood"), "blood")).detail == "blood"
    await book.check(1, (*rules, "blood"), "a cat")
    assert book.compiles == 2
    # Another server's entry is its own; servers without rules cost nothing.
    await book.check(2, rules, "a cat")
    await book.check(3, (), "a cat")
    assert book.compiles == 3


async def test_a_server_changing_rules_never_thrashes_another_servers_entry():
    book = RuleBook()
    one = await book.rules_for(1, ("gore",))
    for n in range(50):
        await book.rules_for(2, (f"word{n}",))
    assert await book.rules_for(1, ("gore",)) is one


async def test_rules_still_compiling_leave_the_prompt_unchecked():
    # Stored before the compile-time check, it takes 0.4 s to compile; the request
    # does not wait for it (here: not at all).
    book = RuleBook(compile_wait=0)
    verdict = await book.check(1, ("gore", "re:(?:a{1000}){1000}"), "a cat")
    assert verdict.kind == "unchecked"
    assert book.compiles == 1
