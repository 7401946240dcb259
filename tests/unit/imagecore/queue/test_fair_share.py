"""FairShare, the start-time fair queueing algorithm, on its own: no loop, no clock."""

from __future__ import annotations

import copy
import random
from typing import TypeVar

from imagecore.queue.fair_share import FairShare

K = TypeVar("K")


def drain(share: FairShare[K]) -> list[K]:
    order: list[K] = []
    while share.schedule():
        order.append(share.pop())
    return order


def test_one_flow_is_served_in_turn_with_others_by_activation_order() -> None:
    share: FairShare[str] = FairShare()
    for key in ["a", "a", "a", "b", "c", "c"]:
        share.push(key)
    assert drain(share) == ["a", "b", "c", "a", "c", "a"]


def test_newcomer_goes_before_a_heavy_flow_that_was_just_served() -> None:
    share: FairShare[str] = FairShare()
    for _ in range(3):
        share.push("heavy")
    assert share.pop() == "heavy"
    share.push("new")
    assert share.schedule() == ["new", "heavy", "heavy"]
    assert drain(share) == ["new", "heavy", "heavy"]


def test_going_idle_and_coming_back_does_not_jump_the_queue() -> None:
    share: FairShare[str] = FairShare()
    share.push("a")
    share.push("b")
    share.push("b")
    assert share.pop() == "a"
    share.push("a")  # a was served this round ...
    share.push("d")  # ... so d, who was not, goes first even though it came later
    assert drain(share) == ["b", "d", "a", "b"]


def test_discard_moves_the_flows_later_items_up() -> None:
    share: FairShare[str] = FairShare()
    for key in ["a", "a", "a", "b", "b"]:
        share.push(key)
    share.discard("a")
    assert share.schedule() == ["a", "b", "a", "b"]
    share.discard("b")
    share.discard("b")  # b is gone entirely
    assert drain(share) == ["a", "a"]


def test_discarding_a_served_flows_last_item_keeps_its_place_in_the_round() -> None:
    share: FairShare[str] = FairShare()
    share.push("a")
    share.push("b")
    assert share.pop() == "a"
    share.push("a")
    share.discard("a")  # a is idle again, but was still served this round
    share.push("a")
    share.push("d")
    assert drain(share) == ["b", "d", "a"]


def test_empty_schedule() -> None:
    share: FairShare[int] = FairShare()
    assert share.schedule() == []
    share.push(1)
    share.discard(1)
    assert share.schedule() == []


def test_schedule_equals_the_pop_order_under_random_operations() -> None:
    rng = random.Random(20260301)
    share: FairShare[int] = FairShare()
    queued: list[int] = []  # one entry per undispatched item
    for _ in range(2000):
        roll = rng.random()
        if roll < 0.5 or not queued:
            key = rng.randrange(6)
            share.push(key)
            queued.append(key)
        elif roll < 0.8:
            queued.remove(share.pop())
        else:
            key = rng.choice(queued)
            share.discard(key)
            queued.remove(key)

        predicted = share.schedule()
        assert sorted(predicted) == sorted(queued)
        assert drain(copy.deepcopy(share)) == predicted
