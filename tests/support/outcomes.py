"""How an interaction ended, as the e2e tests read it off the Discord stand-in: an image
posted in public, or a private sentence with nothing public left behind."""

from __future__ import annotations

from tests.support.discord_standin import InteractionRecord, StoredMessage

__all__ = ["final", "outcome", "posted_image", "private_text", "told_privately"]


def posted_image(record: InteractionRecord) -> bool:
    message = record.final_message
    return message is not None and bool(message.attachments)


def told_privately(record: InteractionRecord) -> bool:
    visible = [m for m in record.messages if not m.deleted]
    return record.acknowledged and not record.loading and all(m.ephemeral for m in visible)


def private_text(record: InteractionRecord) -> str:
    return "\n".join(m.content for m in record.messages if not m.deleted and m.ephemeral)


async def outcome(record: InteractionRecord, within: float = 15.0) -> InteractionRecord:
    """``record`` once it has ended either way (TimeoutError after ``within`` seconds)."""
    await record.wait_for(
        lambda r: posted_image(r) or (told_privately(r) and bool(private_text(r))), within
    )
    return record


def final(record: InteractionRecord) -> StoredMessage:
    """The posted result, which the caller expects to exist."""
    message = record.final_message
    assert message is not None and message.attachments, record.describe()
    return message
