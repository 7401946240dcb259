"""PendingJobs: images counted toward a member's and a server's limits until their end."""

from __future__ import annotations

from imagecore.policy.pending import PendingJobs


def test_holds_count_per_member_and_per_server_until_released():
    pending = PendingJobs()
    first = pending.hold(7, 100)
    second = pending.hold(7, 100)
    pending.hold(8, 100)
    dm = pending.hold(7, None)
    assert (pending.for_user(7), pending.for_user(8), pending.for_guild(100)) == (3, 1, 3)
    assert pending.for_guild(None) == 0  # DMs have no server budget
    first.release()
    first.release()  # a second release of the same hold changes nothing
    dm.release()
    assert (pending.for_user(7), pending.for_guild(100)) == (1, 2)
    second.release()
    assert pending.for_user(7) == 0
