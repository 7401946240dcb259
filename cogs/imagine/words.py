"""The English sentences of the result buttons and several-image requests, as named
format strings (named placeholders, never sentences built by concatenation), so they can
move into the translation catalogs as they are."""

from __future__ import annotations

__all__ = [
    "BUTTON_DELETE",
    "BUTTON_DETAILS",
    "BUTTON_REMIX",
    "BUTTON_REROLL",
    "BUTTON_REVISED",
    "DELETED",
    "DELETE_FAILED",
    "DELETE_REFUSED",
    "DETAILS_ASKED_BY",
    "DETAILS_IMAGE",
    "DETAILS_NEGATIVE",
    "DETAILS_PROMPT",
    "DETAILS_REVISED",
    "DETAILS_SECONDS",
    "DETAILS_SETTINGS",
    "FIELD_SEEDS",
    "JOB_UNAVAILABLE",
    "NOT_IN_THIS_SERVER",
    "NO_REVISED_PROMPT",
    "PARTLY_FAILED",
    "QUEUE_FULL_REQUESTS",
    "READY_SO_FAR",
    "REMIX_NEGATIVE",
    "REMIX_PROMPT",
    "REMIX_SIZE",
    "REMIX_TITLE",
    "TOO_MANY_IMAGES",
    "UNKNOWN_JOB",
]

BUTTON_REROLL = "🔄 Re-roll"
BUTTON_REMIX = "✏️ Remix"
BUTTON_REVISED = "📝 Use revised prompt"
BUTTON_DETAILS = "ℹ️ Details"
BUTTON_DELETE = "🗑️ Delete"

UNKNOWN_JOB = (
    "This result is no longer in the bot's history (it keeps results for {days} days), "
    "so its buttons can't be used. Run /imagine again."
)
JOB_UNAVAILABLE = "The bot's history can't be read for a moment. Please try again."
NOT_IN_THIS_SERVER = "This result was made somewhere else; its buttons can't be used here."
NO_REVISED_PROMPT = "The model did not revise this prompt, so there is nothing else to run."

DELETE_REFUSED = (
    "Only the member who asked for this image, or someone who may manage messages here, "
    "can delete it."
)
DELETED = "Deleted."
DELETE_FAILED = "The message could not be deleted. It may be gone already."

REMIX_TITLE = "Remix"
REMIX_PROMPT = "Prompt"
REMIX_NEGATIVE = "Negative prompt"
REMIX_SIZE = "Size"

TOO_MANY_IMAGES = (
    "You asked for {asked} images but have only {left} left today. "
    "Ask for {left} or fewer, or try again after the daily reset."
)
QUEUE_FULL_REQUESTS = (
    "You already have {limit} requests waiting, the most one member may have at once. "
    "Please wait for one to finish."
)
READY_SO_FAR = "{ready} of {count} ready… {seconds} s"
PARTLY_FAILED = "{failed} of {count} images could not be made: {reason}"

FIELD_SEEDS = "Seeds"

DETAILS_PROMPT = "**Prompt:** {prompt}"
DETAILS_NEGATIVE = "**Negative prompt:** {negative}"
DETAILS_REVISED = "**Revised prompt:** {revised}"
DETAILS_SETTINGS = (
    "**Size:** {size} · **Model:** {model} · **Prompt extend:** {extend} · "
    "**Watermark:** {watermark}"
)
DETAILS_IMAGE = "**Image {number}:** seed {seed} · request id {request_id}"
DETAILS_SECONDS = "**Time:** {seconds} s"
DETAILS_ASKED_BY = "**Asked by** <@{user_id}> <t:{when}:f>"
