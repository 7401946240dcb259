"""Start-time fair queueing over flows: which flow's item goes next, one unit per item.

Pure bookkeeping with no I/O and no clock; the scheduler nests two of these (servers,
then members within a server) and keeps the items themselves.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["FairShare"]

K = TypeVar("K", bound=Hashable)


@dataclass(slots=True)
class _Flow:
    size: int = 0  # queued items
    head_tag: int = 0  # start tag of the first queued item; item i has head_tag + i
    head_seq: int = 0  # breaks ties between equal tags in activation order
    finish: int = 0  # tag after this flow's last dispatched item


class FairShare(Generic[K]):
    """Start-time fair queueing over flows, each item costing one unit.

    Plain "append newcomers to the rotation" round-robin lets a heavy user who was just
    served go again before a newcomer. Tags fix that: a flow that becomes busy starts at the
    current virtual time, so it goes before flows that were already served this round, and
    a flow just served cannot jump ahead by going idle and coming back (``finish`` is kept
    until virtual time passes it).

    Only counts are stored; the caller keeps the items.
    """

    def __init__(self) -> None:
        self._flows: dict[K, _Flow] = {}
        self._vtime = 0
        self._next_seq = 0

    def push(self, key: K) -> None:
        flow = self._flows.get(key)
        if flow is None:
            flow = self._flows[key] = _Flow(finish=self._vtime)
        if flow.size == 0:
            flow.head_tag = max(self._vtime, flow.finish)
            flow.head_seq = self._take_seq()
        flow.size += 1

    def pop(self) -> K:
        """Dispatch the next item; returns its flow's key."""
        key, flow = min(
            ((k, f) for k, f in self._flows.items() if f.size),
            key=lambda kf: (kf[1].head_tag, kf[1].head_seq),
        )
        self._vtime = flow.head_tag
        flow.finish = flow.head_tag + 1
        flow.size -= 1
        if flow.size:
            flow.head_tag = flow.finish
            flow.head_seq = self._take_seq()
        for stale in [k for k, f in self._flows.items() if not f.size and f.finish <= self._vtime]:
            del self._flows[stale]
        return key

    def discard(self, key: K) -> None:
        """Forget one undispatched item of ``key``; its successors move up a tag."""
        flow = self._flows[key]
        flow.size -= 1
        if not flow.size and flow.finish <= self._vtime:
            del self._flows[key]

    def schedule(self) -> list[K]:
        """Flow keys in the order pop() would return them if nothing else changed."""
        busy = [(key, flow) for key, flow in self._flows.items() if flow.size]
        left = [flow.size for _, flow in busy]
        heap = [(flow.head_tag, flow.head_seq, i) for i, (_, flow) in enumerate(busy)]
        heapq.heapify(heap)
        seq = itertools.count(self._next_seq)  # later than every real tie-breaker, in order
        order: list[K] = []
        while heap:
            tag, _, i = heapq.heappop(heap)
            order.append(busy[i][0])
            left[i] -= 1
            if left[i]:
                heapq.heappush(heap, (tag + 1, next(seq), i))
        return order

    def _take_seq(self) -> int:
        seq = self._next_seq
        self._next_seq += 1
        return seq
