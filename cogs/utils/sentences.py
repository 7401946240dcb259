"""What members read when something goes wrong: short, plain, no jargon.

The owner's detail (status, provider code, request id) goes to the log instead.

Every sentence is marked for the translation catalogs (``N_``/``NP_``) and keeps its
English value. ``refusal_message`` and ``queue_full_message`` keep a sentence's values
apart from its words, so ``catalogs.render(locale, message)`` can say it in the member's
language; ``refusal_sentence`` and ``queue_full`` say it in English.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from imagecore.api.errors import (
    AuthFailed,
    BadRequest,
    BillingProblem,
    ConnectionLost,
    ContentRejected,
    ImageAPIError,
    ImageDownloadFailed,
    InputNotUsable,
    InputRejected,
    MalformedAnswer,
    RequestTimedOut,
    ServerError,
    ServiceUnreachable,
    StyleUnsupported,
    Throttled,
)
from imagecore.i18n import N_, NP_, Message
from imagecore.policy.admission import next_reset

__all__ = [
    "UNEXPECTED",
    "english",
    "queue_full",
    "queue_full_message",
    "refusal_message",
    "refusal_sentence",
    "sentence_for",
]

UNEXPECTED = N_(
    "Something went wrong on the bot's side. The moderators can find the details in its log."
)

# Most specific class first: the first isinstance match wins.
SENTENCES: tuple[tuple[type[ImageAPIError], str], ...] = (
    (
        InputRejected,
        N_(
            "The image service refused this picture or instruction because it may break its "
            "content rules. Try another picture or different wording."
        ),
    ),
    (
        InputNotUsable,
        N_(
            "The image service could not use this picture (its format, size or resolution). "
            "Try another one, for example a PNG or JPEG of at least 512 pixels a side."
        ),
    ),
    (
        ContentRejected,
        N_(
            "The image service refused this prompt because it may break its content rules. "
            "Try wording it differently."
        ),
    ),
    (
        StyleUnsupported,
        N_(
            "Editing images is not available with the image service this bot is set up for. "
            "A moderator can switch IMAGE_API_STYLE to relay or dashscope."
        ),
    ),
    (
        BadRequest,
        N_(
            "The image service did not accept these options. The bot's settings may need a look "
            "from a moderator."
        ),
    ),
    (
        AuthFailed,
        N_(
            "The bot could not sign in to the image service. A moderator needs to check its API key."
        ),
    ),
    (
        BillingProblem,
        N_(
            "The image service's quota for this bot is used up. A moderator needs to top it up "
            "before new images can be made."
        ),
    ),
    (
        Throttled,
        N_("The image service is too busy right now. Please try again in a minute."),
    ),
    (
        RequestTimedOut,
        N_("The image service took too long to answer. Please try again."),
    ),
    (
        ServerError,
        N_("The image service had a problem making this image. Please try again in a minute."),
    ),
    (
        ConnectionLost,
        N_("The connection to the image service broke before the image arrived. Please try again."),
    ),
    (
        ServiceUnreachable,
        N_("The bot could not reach the image service. Please try again later."),
    ),
    (
        ImageDownloadFailed,
        N_("The image was made but could not be fetched in time. Please try again."),
    ),
    (
        MalformedAnswer,
        N_("The image service sent back something that is not an image. Please try again."),
    ),
)


def sentence_for(error: BaseException) -> str:
    for error_class, sentence in SENTENCES:
        if isinstance(error, error_class):
            return sentence
    return UNEXPECTED


RESTARTING = N_(
    "The bot is restarting, so it can't take new images right now. Please try again in a minute."
)
DROPPED = N_(
    "The bot is restarting, so your image was not started. Nothing was charged. "
    "Please ask again in a minute."
)
CONTINUES_AFTER_RESTART = N_("The bot is restarting — your image will continue.")
INTERRUPTED = N_(
    "The bot had to restart before your image was finished. Please ask again in a minute."
)
EXPIRED = N_(
    "Your image waited too long in the queue: Discord would close this request before it "
    "could be posted, so it was not started. Please ask again."
)
UPLOAD_REFUSED = N_("The image was made but Discord refused the upload.")
UPLOAD_FAILED = N_(
    "The image was made but the connection to Discord broke while posting it. Please try again."
)
# Translators: {missing} names one permission (Attach Files) or two ("Attach Files and
# Embed Links"), each as Discord's settings call it in your language.
NO_PERMISSION = N_(
    "I can't post images here: I need the {missing} permission in this channel. "
    "Ask a moderator to grant it."
)

QUEUE_FULL = NP_(
    "You already have {limit} image waiting, the most one member may have at once. "
    "Please wait for one to finish.",
    "You already have {limit} images waiting, the most one member may have at once. "
    "Please wait for one to finish.",
)


def queue_full_message(limit: int) -> Message:
    return Message(QUEUE_FULL, {"limit": limit}, count=limit)


def queue_full(limit: int) -> str:
    return english(queue_full_message(limit))


SETTINGS_UNAVAILABLE = N_(
    "The bot's settings are unavailable for a moment, so nothing was changed or queued. "
    "Please try again."
)

# Translators: {channels} is a list of channel mentions (<#123>, <#456>).
REFUSED_CHANNEL = N_("/imagine can't be used in this channel. Try {channels}.")
REFUSED_ROLE = N_("On this server, /imagine is open to certain roles only, and you don't have one.")
REFUSED_UNCHECKED = N_(
    "This prompt could not be checked against the server's rules in time, so it "
    "was not drawn. Try a shorter prompt."
)
# Translators: {rule} is the moderators' rule as they wrote it.
REFUSED_BLOCKED_WORD = N_(
    "This prompt can't be drawn here: it matches the server's blocked-word rule “{rule}”."
)
# Translators: {wait} is a duration, e.g. 20 sec or 1 hr, 5 min.
REFUSED_COOLDOWN = N_("Please wait {wait} before your next image.")
# Translators: {reset_time} is a time of day in UTC (00:00), {wait} the time until then.
REFUSED_USER_DAILY = NP_(
    "You've had your {limit} image for today. The count resets at {reset_time} UTC, in {wait}.",
    "You've had your {limit} images for today. The count resets at {reset_time} UTC, in {wait}.",
)
REFUSED_GUILD_DAILY = NP_(
    "This server has used its {limit} image for today. The count resets at {reset_time} UTC, "
    "in {wait}.",
    "This server has used its {limit} images for today. The count resets at {reset_time} UTC, "
    "in {wait}.",
)
REFUSED_OTHER = N_("This request can't be taken right now.")


def refusal_message(kind: str, detail: str, retry_at: float | None, now: float) -> Message:
    """What a member reads when the server's rules refuse a request, in any language."""
    wait = timedelta(seconds=max(1, round((retry_at or now) - now)))
    match kind:
        case "channel":
            channels = ", ".join(f"<#{c}>" for c in detail.split(","))
            return Message(REFUSED_CHANNEL, {"channels": channels})
        case "role":
            return Message(REFUSED_ROLE)
        case "unchecked":
            return Message(REFUSED_UNCHECKED)
        case "blocked_word":
            return Message(REFUSED_BLOCKED_WORD, {"rule": detail})
        case "cooldown":
            return Message(REFUSED_COOLDOWN, {"wait": wait})
        case "user_daily" | "guild_daily":
            sentence = REFUSED_USER_DAILY if kind == "user_daily" else REFUSED_GUILD_DAILY
            reset = datetime.fromtimestamp(retry_at or next_reset(now), UTC)
            params = {"limit": detail, "reset_time": reset, "wait": wait}
            return Message(sentence, params, count=int(detail) if detail.isdigit() else 0)
    return Message(REFUSED_OTHER)


def refusal_sentence(kind: str, detail: str, retry_at: float | None, now: float) -> str:
    """What a member reads when the server's rules refuse a request, in English."""
    return english(refusal_message(kind, detail, retry_at, now))


def english(message: Message) -> str:
    """A message in the bot's English, as it has always read ("20 s", "1 h 5 min")."""
    text = message.text
    if not isinstance(text, str):
        text = text.english(message.count if message.count is not None else 1)
    return text.format_map({name: _english_value(v) for name, v in message.params.items()})


def _english_value(value: object) -> str:
    if isinstance(value, timedelta):
        return _wait(value.total_seconds())
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%H:%M")
    return str(value)


def _wait(seconds: float) -> str:
    seconds = max(1, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"
