"""What happened to one interaction: the dispatch, the bot's callback(s), its messages.

An ``InteractionRecord`` is returned by ``invoke``/``click``/... and updated by the REST
handlers as the bot answers, so a test can await the state it cares about.

The waiting helpers here (and on the stand-in) take ``timeout=`` despite ruff's ASYNC109:
``await rec.wait_for(cond, timeout=2)`` reads well in a test, and on expiry they raise a
TimeoutError that describes the interaction, which a bare ``asyncio.timeout`` can't.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .models import Channel, Guild, Member, StoredMessage, UploadedFile, User

if TYPE_CHECKING:
    from ..clock import FakeClock
    from .recording import RecordedRequest

# Interaction types
PING, APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5

# Callback types
PONG = 1
CHANNEL_MESSAGE_WITH_SOURCE = 4
DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE = 5
DEFERRED_UPDATE_MESSAGE = 6
UPDATE_MESSAGE = 7
APPLICATION_COMMAND_AUTOCOMPLETE_RESULT = 8
MODAL = 9
LAUNCH_ACTIVITY = 12

# Which callbacks Discord accepts for which interaction type.
ALLOWED_CALLBACKS: dict[int, set[int]] = {
    PING: {PONG},
    APPLICATION_COMMAND: {CHANNEL_MESSAGE_WITH_SOURCE, DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE, MODAL},
    MESSAGE_COMPONENT: {
        CHANNEL_MESSAGE_WITH_SOURCE,
        DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
        DEFERRED_UPDATE_MESSAGE,
        UPDATE_MESSAGE,
        MODAL,
    },
    AUTOCOMPLETE: {APPLICATION_COMMAND_AUTOCOMPLETE_RESULT},
    # 6/7 only when the modal was opened from a component (checked separately).
    MODAL_SUBMIT: {
        CHANNEL_MESSAGE_WITH_SOURCE,
        DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
        DEFERRED_UPDATE_MESSAGE,
        UPDATE_MESSAGE,
    },
}


@dataclass(eq=False)
class CallbackAttempt:
    """One POST to ``/interactions/{id}/{token}/callback``, accepted or not."""

    type: int | None
    at: float
    status: int
    error_code: int | None
    body: Any
    files: list[UploadedFile] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return 200 <= self.status < 300

    @property
    def data(self) -> dict[str, Any]:
        body = self.body if isinstance(self.body, dict) else {}
        return body.get("data") or {}


@dataclass(eq=False)
class InteractionEvent:
    """A timeline entry: ``kind`` is callback/followup/edit_original/delete_original/
    edit_message/delete_message/get_original, or ``rejected:<kind>``."""

    at: float
    kind: str
    status: int
    message_id: int | None = None
    error_code: int | None = None


class InteractionRecord:
    """Everything the stand-in saw for one interaction. Times are ``standin.clock`` seconds."""

    def __init__(
        self,
        *,
        clock: FakeClock,
        interaction_id: int,
        token: str,
        type_: int,
        payload: dict[str, Any],
        user: User,
        member: Member | None,
        channel: Channel,
        guild: Guild | None,
        command_name: str | None = None,
        source_message: StoredMessage | None = None,
        parent: InteractionRecord | None = None,
        ack_deadline: float = 3.0,
    ) -> None:
        self._clock = clock
        self.id = interaction_id
        self.token = token
        self.type = type_
        self.payload = payload
        self.user = user
        self.member = member
        self.channel = channel
        self.guild = guild
        self.command_name = command_name
        self.source_message = source_message  # the message a component sits on
        self.parent = parent  # for modal submits: the interaction that opened the modal
        self.ack_deadline = ack_deadline
        self.dispatched_at: float = clock()
        self.delivered_to: int = 0
        self.callbacks: list[CallbackAttempt] = []
        self.original: StoredMessage | None = None
        self.followups: list[StoredMessage] = []
        self.modal: dict[str, Any] | None = None
        self.autocomplete_choices: list[dict[str, Any]] | None = None
        self.timeline: list[InteractionEvent] = []
        self.requests: list[RecordedRequest] = []
        self.last_activity: float = self.dispatched_at
        self._changed = asyncio.Event()

    # ------------------------------------------------------------------ state

    @property
    def ack(self) -> CallbackAttempt | None:
        """The accepted callback, if any."""
        for attempt in self.callbacks:
            if attempt.accepted:
                return attempt
        return None

    @property
    def acknowledged(self) -> bool:
        return self.ack is not None

    @property
    def callback_type(self) -> int | None:
        ack = self.ack
        return None if ack is None else ack.type

    @property
    def ack_latency(self) -> float | None:
        """Seconds from dispatch to the accepted callback."""
        ack = self.ack
        return None if ack is None else ack.at - self.dispatched_at

    @property
    def deferred(self) -> bool:
        return self.callback_type in (DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE, DEFERRED_UPDATE_MESSAGE)

    @property
    def loading(self) -> bool:
        """Deferred with "thinking..." and not yet resolved by an edit or follow-up."""
        return self.original is not None and self.original.loading and not self.original.deleted

    @property
    def ephemeral(self) -> bool:
        """Whether the response (the original message) is only visible to the user."""
        return self.original is not None and self.original.ephemeral

    @property
    def messages(self) -> list[StoredMessage]:
        """Original response (if any) followed by the follow-ups, in creation order."""
        out = [self.original] if self.original is not None else []
        out.extend(m for m in self.followups if m is not self.original)
        return out

    @property
    def final_message(self) -> StoredMessage | None:
        """The most recently created or edited visible (not loading, not deleted) message.

        For "defer, maybe edit progress, then send the result" flows this is the result.
        """
        candidates = [m for m in self.messages if not m.deleted and not m.loading]
        if not candidates:
            return None
        return max(candidates, key=lambda m: m.history[-1].at if m.history else m.created_mono)

    @property
    def age(self) -> float:
        return self._clock() - self.dispatched_at

    @property
    def done(self) -> bool:
        """Acknowledged and nothing left "thinking", or never acknowledged in time (the
        user now sees "The application did not respond")."""
        if self.acknowledged:
            return not self.loading
        return self.age > self.ack_deadline

    @property
    def rejections(self) -> list[InteractionEvent]:
        return [e for e in self.timeline if e.kind.startswith("rejected:")]

    # ------------------------------------------------------------------ waiting

    def touch(self) -> None:
        """Called by the stand-in after every change; wakes waiters."""
        self.last_activity = self._clock()
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_for(
        self,
        predicate: Callable[[InteractionRecord], bool],
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> InteractionRecord:
        """Wait until ``predicate(record)`` holds; TimeoutError explains the state."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            changed = self._changed
            if predicate(self):
                return self
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"condition not met within {timeout}s: {self.describe()}")
            # Poll as well as wait: predicates may depend on the clock (e.g. ``age``).
            try:
                await asyncio.wait_for(changed.wait(), min(remaining, 0.05))
            except TimeoutError:
                continue

    async def wait_for_ack(self, timeout: float = 5.0) -> InteractionRecord:  # noqa: ASYNC109
        return await self.wait_for(lambda r: r.acknowledged, timeout)

    async def wait_done(self, timeout: float = 5.0, settle: float = 0.1) -> InteractionRecord:  # noqa: ASYNC109
        """Wait until ``done`` and then until ``settle`` seconds pass with no activity.

        Good for single-step answers; for multi-step flows (progress edits, then a
        result) wait for the exact condition with ``wait_for``.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        await self.wait_for(lambda r: r.done, timeout)
        while True:
            quiet_for = self._clock() - self.last_activity
            if quiet_for >= settle:
                return self
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(
                    f"interaction never went quiet within {timeout}s: {self.describe()}"
                )
            await asyncio.sleep(min(settle - quiet_for, remaining))

    def describe(self) -> str:
        parts = [
            f"interaction {self.id} type={self.type} command={self.command_name!r}",
            f"age={self.age:.2f}s",
            f"callbacks={[(c.type, c.status, c.error_code) for c in self.callbacks]}",
        ]
        if self.original is not None:
            parts.append(
                f"original(content={self.original.content[:60]!r}, loading={self.original.loading},"
                f" deleted={self.original.deleted})"
            )
        parts.append(f"followups={len(self.followups)}")
        parts.append(f"timeline={[(e.kind, e.status) for e in self.timeline]}")
        return " ".join(parts)

    def __repr__(self) -> str:
        return f"<InteractionRecord {self.describe()}>"
