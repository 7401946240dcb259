"""What members read when something goes wrong: short, plain, no jargon.

The owner's detail (status, provider code, request id) goes to the log instead.
"""

from __future__ import annotations

from imagecore.api.errors import (
    AuthFailed,
    BadRequest,
    BillingProblem,
    ConnectionLost,
    ContentRejected,
    ImageAPIError,
    ImageDownloadFailed,
    MalformedAnswer,
    RequestTimedOut,
    ServerError,
    ServiceUnreachable,
    StyleUnsupported,
    Throttled,
)

__all__ = ["UNEXPECTED", "sentence_for"]

UNEXPECTED = (
    "Something went wrong on the bot's side. The moderators can find the details in its log."
)

# Most specific class first: the first isinstance match wins.
SENTENCES: tuple[tuple[type[ImageAPIError], str], ...] = (
    (
        ContentRejected,
        (
            "The image service refused this prompt because it may break its content rules. "
            "Try wording it differently."
        ),
    ),
    (
        StyleUnsupported,
        (
            "Editing images is not available with the image service this bot is set up for. "
            "A moderator can switch IMAGE_API_STYLE to relay or dashscope."
        ),
    ),
    (
        BadRequest,
        (
            "The image service did not accept these options. The bot's settings may need a look "
            "from a moderator."
        ),
    ),
    (
        AuthFailed,
        "The bot could not sign in to the image service. A moderator needs to check its API key.",
    ),
    (
        BillingProblem,
        (
            "The image service's quota for this bot is used up. A moderator needs to top it up "
            "before new images can be made."
        ),
    ),
    (
        Throttled,
        "The image service is too busy right now. Please try again in a minute.",
    ),
    (
        RequestTimedOut,
        "The image service took too long to answer. Please try again.",
    ),
    (
        ServerError,
        "The image service had a problem making this image. Please try again in a minute.",
    ),
    (
        ConnectionLost,
        "The connection to the image service broke before the image arrived. Please try again.",
    ),
    (
        ServiceUnreachable,
        "The bot could not reach the image service. Please try again later.",
    ),
    (
        ImageDownloadFailed,
        "The image was made but could not be fetched in time. Please try again.",
    ),
    (
        MalformedAnswer,
        "The image service sent back something that is not an image. Please try again.",
    ),
)


def sentence_for(error: BaseException) -> str:
    for error_class, sentence in SENTENCES:
        if isinstance(error, error_class):
            return sentence
    return UNEXPECTED


RESTARTING = (
    "The bot is restarting, so it can't take new images right now. Please try again in a minute."
)
DROPPED = "The bot is restarting, so your image was not started. Nothing was charged. Please ask again in a minute."
INTERRUPTED = "The bot had to restart before your image was finished. Please ask again in a minute."
EXPIRED = (
    "Your image waited too long in the queue: Discord would close this request before it "
    "could be posted, so it was not started. Please ask again."
)
UPLOAD_REFUSED = "The image was made but Discord refused the upload."
UPLOAD_FAILED = (
    "The image was made but the connection to Discord broke while posting it. Please try again."
)
NO_PERMISSION = (
    "I can't post images here: I need the {missing} permission in this channel. "
    "Ask a moderator to grant it."
)


def queue_full(limit: int) -> str:
    images = "image" if limit == 1 else "images"
    return (
        f"You already have {limit} {images} waiting, the most one member may have at once. "
        "Please wait for one to finish."
    )


SETTINGS_UNAVAILABLE = "The bot's settings are unavailable for a moment, so nothing was changed or queued. Please try again."


def refusal_sentence(kind: str, detail: str, retry_at: float | None, now: float) -> str:
    """What a member reads when the server's rules refuse a request."""
    match kind:
        case "channel":
            channels = ", ".join(f"<#{c}>" for c in detail.split(","))
            return f"/imagine can't be used in this channel. Try {channels}."
        case "role":
            return "On this server, /imagine is open to certain roles only, and you don't have one."
        case "unchecked":
            return (
                "This prompt could not be checked against the server's rules in time, so it "
                "was not drawn. Try a shorter prompt."
            )
        case "blocked_word":
            return f"This prompt can't be drawn here: it matches the server's blocked-word rule “{detail}”."
        case "cooldown":
            return f"Please wait {_wait(retry_at, now)} before your next image."
        case "user_daily":
            return f"You've had your {detail} images for today. The count resets at 00:00 UTC, in {_wait(retry_at, now)}."
        case "guild_daily":
            return f"This server has used its {detail} images for today. The count resets at 00:00 UTC, in {_wait(retry_at, now)}."
    return "This request can't be taken right now."


def _wait(retry_at: float | None, now: float) -> str:
    seconds = max(1, round((retry_at or now) - now))
    if seconds < 60:
        return f"{seconds} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"
