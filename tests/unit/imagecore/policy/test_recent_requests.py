"""RecentRequests: members' last requests for the cooldown, bounded in time and in size."""

from __future__ import annotations

from imagecore.policy.recent_requests import HORIZON, RecentRequests, Unknown

NOW = 1_000_000.0


def test_unseeded_memory_cannot_tell_and_says_so():
    recent = RecentRequests()
    assert isinstance(recent.last((1, 7), NOW), Unknown)
    recent.note((1, 7), NOW)
    assert recent.last((1, 7), NOW + 5) == NOW


def test_seeded_from_history_it_knows_who_did_not_ask():
    recent = RecentRequests()
    recent.seed({(1, 7): NOW - 30, (None, 8): NOW - 10}, since=NOW - HORIZON)
    assert recent.last((1, 7), NOW) == NOW - 30
    assert recent.last((None, 8), NOW) == NOW - 10
    assert recent.last((1, 9), NOW) is None  # nobody new asked within the horizon


def test_entries_older_than_a_day_are_dropped_as_new_ones_come():
    recent = RecentRequests()
    recent.seed({}, since=NOW - HORIZON)
    for member in range(100):
        recent.note((1, member), NOW + member)
    recent.note((1, 1000), NOW + HORIZON + 50)
    assert len(recent) == 51  # members 50 to 99 and the newcomer are within the day
    assert recent.last((1, 0), NOW + HORIZON + 50) is None


def test_past_its_cap_it_forgets_the_oldest_and_asks_history_again():
    recent = RecentRequests(cap=3)
    recent.seed({}, since=NOW - HORIZON)
    for member in range(4):
        recent.note((1, member), NOW + member)
    assert len(recent) == 3
    # Member 0 was dropped for room while still within the day: memory can't tell now.
    assert isinstance(recent.last((1, 0), NOW + 10), Unknown)
    assert recent.last((1, 3), NOW + 10) == NOW + 3
