"""The English sentences of the result buttons, several-image requests and a request's
public status, as named format strings (named placeholders, never sentences built by
concatenation). Each is marked ``N_`` for the translation catalogs and is its own
English: ``catalogs.text(locale, READY_SO_FAR, ready=1, count=4, seconds=12)``."""

from __future__ import annotations

from imagecore.i18n import N_

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
    "DETAILS_OFF",
    "DETAILS_ON",
    "DETAILS_PROMPT",
    "DETAILS_REVISED",
    "DETAILS_SECONDS",
    "DETAILS_SETTINGS",
    "FIELD_MODEL",
    "FIELD_NEGATIVE",
    "FIELD_NOTE",
    "FIELD_REVISED",
    "FIELD_SEED",
    "FIELD_SEEDS",
    "FIELD_SIZE",
    "FIELD_TIME",
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
    "REQUESTED_BY",
    "SECONDS_TAKEN",
    "STATUS_GENERATING",
    "STATUS_QUEUED",
    "TOO_MANY_IMAGES",
    "UNKNOWN_JOB",
]

BUTTON_REROLL = N_("🔄 Re-roll")
BUTTON_REMIX = N_("✏️ Remix")
BUTTON_REVISED = N_("📝 Use revised prompt")
BUTTON_DETAILS = N_("ℹ️ Details")
BUTTON_DELETE = N_("🗑️ Delete")

UNKNOWN_JOB = N_(
    "This result is no longer in the bot's history (it keeps results for {days} days), "
    "so its buttons can't be used. Run /imagine again."
)
JOB_UNAVAILABLE = N_("The bot's history can't be read for a moment. Please try again.")
NOT_IN_THIS_SERVER = N_("This result was made somewhere else; its buttons can't be used here.")
NO_REVISED_PROMPT = N_("The model did not revise this prompt, so there is nothing else to run.")

DELETE_REFUSED = N_(
    "Only the member who asked for this image, or someone who may manage messages here, "
    "can delete it."
)
DELETED = N_("Deleted.")
DELETE_FAILED = N_("The message could not be deleted. It may be gone already.")

REMIX_TITLE = N_("Remix")
REMIX_PROMPT = N_("Prompt")
REMIX_NEGATIVE = N_("Negative prompt")
REMIX_SIZE = N_("Size")

TOO_MANY_IMAGES = N_(
    "You asked for {asked} images but have only {left} left today. "
    "Ask for {left} or fewer, or try again after the daily reset."
)
QUEUE_FULL_REQUESTS = N_(
    "You already have {limit} requests waiting, the most one member may have at once. "
    "Please wait for one to finish."
)
# The public status of a request on its way (cogs/imagine/job.py builds these today).
# Translators: {position} is a place in the queue (3), {wait} a duration (40 sec).
STATUS_QUEUED = N_("Queued — #{position}, about {wait}")
STATUS_GENERATING = N_("Generating… {seconds} s")
READY_SO_FAR = N_("{ready} of {count} ready… {seconds} s")
PARTLY_FAILED = N_("{failed} of {count} images could not be made: {reason}")

# The result card's labels (the values beside them are the member's and model's own).
FIELD_SEEDS = N_("Seeds")
FIELD_SEED = N_("Seed")
FIELD_REVISED = N_("Revised prompt")
FIELD_NEGATIVE = N_("Negative prompt")
FIELD_SIZE = N_("Size")
FIELD_MODEL = N_("Model")
FIELD_TIME = N_("Time")
FIELD_NOTE = N_("Note")
# Translators: {seconds} is a number such as 12.3.
SECONDS_TAKEN = N_("{seconds} s")
# Translators: {requester} is a member's display name.
REQUESTED_BY = N_("Requested by {requester}")

DETAILS_PROMPT = N_("**Prompt:** {prompt}")
DETAILS_NEGATIVE = N_("**Negative prompt:** {negative}")
DETAILS_REVISED = N_("**Revised prompt:** {revised}")
DETAILS_SETTINGS = N_(
    "**Size:** {size} · **Model:** {model} · **Prompt extend:** {extend} · "
    "**Watermark:** {watermark}"
)
# Translators: whether prompt extend or the watermark was on for the image.
DETAILS_ON = N_("on")
DETAILS_OFF = N_("off")
DETAILS_IMAGE = N_("**Image {number}:** seed {seed} · request id {request_id}")
DETAILS_SECONDS = N_("**Time:** {seconds} s")
DETAILS_ASKED_BY = N_("**Asked by** <@{user_id}> <t:{when}:f>")
