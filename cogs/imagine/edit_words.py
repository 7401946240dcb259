"""The English of image editing (/imagine-edit): the command's texts (translated through the
command catalog) and the sentences, marked for the sentence catalog, with named
placeholders (never built by concatenation)."""

from __future__ import annotations

from imagecore.i18n import N_

__all__ = [
    "COMMAND_DESCRIPTION",
    "DESCRIBE_COUNT",
    "DESCRIBE_IMAGE",
    "DESCRIBE_IMAGE2",
    "DESCRIBE_IMAGE3",
    "DESCRIBE_NEGATIVE",
    "DESCRIBE_PROMPT",
    "DESCRIBE_SEED",
    "DESCRIBE_SIZE",
    "DOWNLOAD_DEAD_LINK",
    "DOWNLOAD_TIMED_OUT",
    "DOWNLOAD_TOO_LARGE",
    "DOWNLOAD_UNREACHABLE",
    "EDITED_FROM_MANY",
    "EDITED_FROM_MESSAGE",
    "EDITED_FROM_ONE",
    "EDITING_OFF",
    "EDIT_NOT_RERUNNABLE",
    "FIELD_EDITED_FROM",
    "INPUT_EXTREME_ASPECT",
    "INPUT_NOT_AN_IMAGE",
    "INPUT_TOO_MANY_PIXELS",
    "INPUT_TOO_SMALL",
    "INPUT_UNREADABLE",
    "INPUT_UNSUPPORTED",
    "SIZE_NOT_OFFERED",
]

COMMAND_DESCRIPTION = "Edit an image with an instruction"
DESCRIBE_IMAGE = "The image to edit"
DESCRIBE_PROMPT = "What to change, e.g. 'make the sky stormy'"
DESCRIBE_IMAGE2 = "A second image the instruction can refer to (image 2)"
DESCRIBE_IMAGE3 = "A third image the instruction can refer to (image 3)"
DESCRIBE_NEGATIVE = "What to keep out of the result"
DESCRIBE_SIZE = "Result shape and size (default: the shape of the last image)"
DESCRIBE_SEED = "Same seed and instruction give a similar result"
DESCRIBE_COUNT = "How many results to make (each with its own seed)"

# {name} is the attachment's file name, as the member uploaded it.
DOWNLOAD_TOO_LARGE = N_("{name} is too large to edit (the most is {limit_mb} MB).")
DOWNLOAD_DEAD_LINK = N_("{name} could not be fetched from Discord. Please upload it again.")
DOWNLOAD_TIMED_OUT = N_("{name} took too long to fetch from Discord. Please try again.")
DOWNLOAD_UNREACHABLE = N_("{name} could not be fetched from Discord just now. Please try again.")

INPUT_NOT_AN_IMAGE = N_(
    "{name} is not an image. Attach a JPEG, PNG, WebP, BMP, TIFF or GIF to edit."
)
INPUT_UNSUPPORTED = N_(
    "{name} is an image in a format the image service can't edit. "
    "Attach a JPEG, PNG, WebP, BMP, TIFF or GIF."
)
INPUT_UNREADABLE = N_("{name} could not be opened: it may be damaged or cut off.")
INPUT_TOO_SMALL = N_("{name} is too small to edit: each side needs at least {min_side} pixels.")
INPUT_TOO_MANY_PIXELS = N_("{name} has too many pixels to edit. Please attach a smaller version.")
INPUT_EXTREME_ASPECT = N_(
    "{name} is too long and narrow to edit. Please crop it closer to a rectangle."
)

SIZE_NOT_OFFERED = N_("That size can't be used for edits here.")
EDITING_OFF = N_("Editing images is switched off on this server.")

BUTTON_EDIT = N_("🖌️ Edit")
FORM_TITLE = N_("Edit image")
FORM_INSTRUCTION = N_("What to change")
FORM_INSTRUCTION_HINT = N_("e.g. make the sky stormy, add a red scarf")
FORM_WHICH = N_("Which image")
NO_IMAGE_IN_MESSAGE = N_(
    "That message has no image to edit. Use it on a message with a picture attached."
)
RESULT_IMAGE_GONE = N_("That image is no longer on the message, so it can't be edited.")

FIELD_EDITED_FROM = N_("Edited from")
EDITED_FROM_ONE = N_("the attached image")
EDITED_FROM_MANY = N_("{count} attached images, in order")
# Translators: a Markdown link to the message the picture was taken from; keep ]({url}).
EDITED_FROM_MESSAGE = N_("[this message]({url})")

EDIT_NOT_RERUNNABLE = N_(
    "The picture this result was edited from is no longer kept (the bot keeps it for a day), "
    "so it can't be run again from here. Use 🖌️ Edit on the result, or /imagine-edit."
)
