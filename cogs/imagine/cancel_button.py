"""The Cancel button on a queued /imagine message.

A DynamicItem naming the job by its key, which outlives the process: a job resumed after
a restart is found again by it (the scheduler knows each job's tickets by the key). A
button from before keys were used names a ticket of an old run: that job is gone, and the
member is told so instead of seeing "This interaction failed".

A cancel is stored before the member is told: a restart right after the click must not
take the job up again (the job's own end mark is written in the background, later).
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING, Any

import discord

from cogs.utils.replies import tell_privately
from imagecore.i18n import N_, Language
from imagecore.queue import CancelOutcome, TicketState
from imagecore.storage import StorageUnavailable

if TYPE_CHECKING:
    from bot import ImageBot
    from imagecore.storage.live_jobs import LiveJobs

__all__ = ["CancelButton", "cancel_view"]

log = logging.getLogger(__name__)

# Of Discord's 3 s to answer the click: what storing the cancel may take at most.
STORE_BUDGET = 1.5

BUTTON_CANCEL = N_("Cancel")
ALREADY_CANCELLED = N_("Already cancelled.")
OUTCOME_SENTENCES = {
    CancelOutcome.CANCELLED: N_("Cancelled. Nothing was sent to the image service."),
    CancelOutcome.NOT_OWNER: N_("Only the person who asked for this image can cancel it."),
    CancelOutcome.ALREADY_STARTED: N_("Too late to cancel: this image is already being made."),
    CancelOutcome.ALREADY_FINISHED: N_("This request has already finished."),
    CancelOutcome.UNKNOWN: N_("This request no longer exists; the bot may have restarted."),
}


class CancelButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    # A job key (16 hex digits), or an older button's ticket id ("<run prefix>-<n>").
    template=r"imagine:cancel:(?P<ref>[0-9a-f]+(?:-[0-9]+)?)",
):
    def __init__(self, ref: str, label: str = BUTTON_CANCEL) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=f"imagine:cancel:{ref}",
            )
        )
        self.ref = ref

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[ImageBot],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> CancelButton:
        return cls(match["ref"])

    async def callback(self, interaction: discord.Interaction[ImageBot]) -> None:
        scheduler = interaction.client.scheduler
        if "-" in self.ref:
            ticket_id = self.ref
        else:
            first = scheduler.group_ticket(self.ref)
            ticket_id = "" if first is None else first.id
        outcome = scheduler.cancel(ticket_id, interaction.user.id)
        sentence = OUTCOME_SENTENCES[outcome]
        ticket = scheduler.get(ticket_id)
        if outcome is CancelOutcome.CANCELLED and ticket is not None and ticket.group:
            await _store_cancel(interaction.client.storage.live_jobs, ticket.group)
        if (
            outcome is CancelOutcome.ALREADY_FINISHED
            and ticket
            and ticket.state is TicketState.CANCELLED
        ):
            sentence = ALREADY_CANCELLED
        await tell_privately(interaction, sentence)


async def _store_cancel(live_jobs: LiveJobs, job_key: str) -> None:
    try:
        async with asyncio.timeout(STORE_BUDGET):
            await live_jobs.mark_state(job_key, "cancelled")
    except (StorageUnavailable, TimeoutError) as exc:
        # The job's own end mark follows in the background and is retried.
        log.warning("job %s: its cancel could not be stored yet: %s", job_key, exc)


def cancel_view(job_key: str, language: Language) -> discord.ui.View:
    """The Cancel button, labelled in the server's language (the message is public)."""
    view = discord.ui.View(timeout=None)
    view.add_item(CancelButton(job_key, language.say(BUTTON_CANCEL)))
    return view
