"""What a server's settings may be set to: one check for every path that changes them.

Each problem is an ``InvalidSetting`` (a ``SayableError``, so a ValueError): a short
sentence naming the setting, said to the moderator in their language; ``str()`` of it is
the English.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from imagecore.api.request import MAX_NEGATIVE_PROMPT
from imagecore.i18n import N_, Message, SayableError
from imagecore.i18n.languages import SERVER_LANGUAGE_CHOICES
from imagecore.policy.blocked_words import MAX_RULES, compile_rule
from imagecore.policy.guild_settings import BotDefaults, GuildSettings
from imagecore.policy.sizes import normalise_size

__all__ = ["LABELS", "LIMIT_BOUNDS", "InvalidSetting", "limit_bounds", "validate_changes"]

# Inclusive. The pending limit's ceiling is the bot's own (limit_bounds): the queue
# enforces that one anyway, so a server can only lower it.
LIMIT_BOUNDS: Mapping[str, tuple[int, int]] = {
    "cooldown_seconds": (0, 86_400),
    "max_pending_per_user": (1, 100),
    "user_daily_images": (1, 100_000),
    "guild_daily_images": (1, 1_000_000),
}
LABELS = {
    # Translators: this and the names below are the subject of the sentences after them,
    # as {setting}: "{setting} must be text."
    "size": N_("The default size"),
    "negative_prompt": N_("The default negative prompt"),
    "prompt_extend": N_("Prompt extend"),
    "watermark": N_("Watermark"),
    "model": N_("The model"),
    "count": N_("The number of images"),
    "edit_model": N_("The edit model"),
    "editing": N_("Editing"),
    "language": N_("The language"),
    "cooldown_seconds": N_("The cooldown (seconds)"),
    "max_pending_per_user": N_("Images waiting per member"),
    "user_daily_images": N_("Images per member per day"),
    "guild_daily_images": N_("Images for the server per day"),
    "exempt_role_id": N_("The exempt role"),
    "allowed_channel_ids": N_("The channel list"),
    "allowed_role_ids": N_("The role list"),
    "blocked_words": N_("The blocked-word list"),
    "log_channel_id": N_("The log channel"),
}

# Translators: {name} is what was asked for, an internal setting name such as "colour".
NO_SUCH_SETTING = N_("There is no setting called “{name}”.")
# Translators: {setting} is one of the subjects above; {limit} a number of characters.
TOO_LONG = N_("{setting} may be at most {limit} characters.")
ON_OR_OFF = N_("{setting} must be on or off.")
# Translators: {model} is what the moderator typed, {models} the bot's model names.
UNKNOWN_MODEL = N_("Unknown model “{model}”. This bot offers: {models}.")
UNKNOWN_EDIT_MODEL = N_("Unknown edit model “{model}”. This bot offers: {models}.")
# Translators: {choices} is a list of language tags: auto, zh-CN, zh-TW, en-US.
ONE_OF = N_("{setting} must be one of {choices}.")
WHOLE_NUMBER = N_("{setting} must be a whole number between {low} and {high}.")
TOO_MANY_RULES = N_("A server may have at most {limit} blocked-word rules.")
NOT_AN_ID = N_("{setting} must be a channel or role of this server.")
NOT_A_LIST = N_("{setting} must be a list.")
NOT_TEXT = N_("{setting} must be text.")


class InvalidSetting(SayableError):
    """A value a setting can't take. ``message`` is the sentence for the moderator, its
    subject a nested ``Message`` (so said in the same language); ``str()`` the English."""


def _label(name: str) -> Message:
    return Message(LABELS[name])


def limit_bounds(name: str, defaults: BotDefaults) -> tuple[int, int]:
    low, high = LIMIT_BOUNDS[name]
    if name == "max_pending_per_user":
        high = defaults.max_pending_per_user
    return low, high


def validate_changes(
    changes: Mapping[str, object],
    defaults: BotDefaults,
    *,
    current: GuildSettings | None = None,
) -> dict[str, object]:
    """``changes`` checked and normalised (a size as ``W*H``, text stripped, lists as
    tuples without repeats). ``None`` puts a setting back to the bot's default. Rules
    already in ``current`` are not tried again, so a list can always shrink. Trying new
    ``re:`` rules can take a few tenths of a second: call this off the event loop then."""
    out: dict[str, object] = {}
    for name, value in changes.items():
        if name not in LABELS:
            raise InvalidSetting(NO_SUCH_SETTING, name=name)
        if value is None:
            # The lists' default is empty; every other setting's is "the bot's".
            out[name] = () if name in LISTS else None
        else:
            out[name] = _check(name, _label(name), value, defaults, current)
    return out


LISTS = ("allowed_channel_ids", "allowed_role_ids", "blocked_words")


def _check(
    name: str, label: Message, value: object, defaults: BotDefaults, current: GuildSettings | None
) -> object:
    match name:
        case "size":
            return normalise_size(_text(label, value), defaults.sizes)
        case "negative_prompt":
            text = _text(label, value).strip()
            if len(text) > MAX_NEGATIVE_PROMPT:
                raise InvalidSetting(TOO_LONG, setting=label, limit=MAX_NEGATIVE_PROMPT)
            return text or None
        case "prompt_extend" | "watermark" | "editing":
            if not isinstance(value, bool):
                raise InvalidSetting(ON_OR_OFF, setting=label)
            return value
        case "model":
            model = _text(label, value).strip()
            offered = defaults.models or (defaults.model,)
            if model not in offered:
                raise InvalidSetting(UNKNOWN_MODEL, model=model, models=", ".join(offered))
            return model
        case "edit_model":
            model = _text(label, value).strip()
            offered = defaults.edit_models or (defaults.edit_model,)
            if model not in offered:
                raise InvalidSetting(UNKNOWN_EDIT_MODEL, model=model, models=", ".join(offered))
            return model
        case "language":
            tag = _text(label, value).strip()
            if tag not in SERVER_LANGUAGE_CHOICES:
                raise InvalidSetting(
                    ONE_OF, setting=label, choices=", ".join(SERVER_LANGUAGE_CHOICES)
                )
            return None if tag == "auto" else tag
        case "count":
            number = _whole(value)
            if number is None or not 1 <= number <= defaults.max_images:
                raise InvalidSetting(WHOLE_NUMBER, setting=label, low=1, high=defaults.max_images)
            return number
        case "exempt_role_id" | "log_channel_id":
            return _snowflake(label, value)
        case "allowed_channel_ids" | "allowed_role_ids":
            return tuple(dict.fromkeys(_snowflake(label, v) for v in _items(label, value)))
        case "blocked_words":
            return _rules(label, _items(label, value), current)
    low, high = limit_bounds(name, defaults)
    number = _whole(value)
    if number is None or not low <= number <= high:
        raise InvalidSetting(WHOLE_NUMBER, setting=label, low=low, high=high)
    return number


def _rules(label: Message, values: list[object], current: GuildSettings | None) -> tuple[str, ...]:
    known = set(current.blocked_words) if current is not None else set()
    rules: list[str] = []
    for value in values:
        text = _text(label, value).strip()
        # InvalidRule is a SayableError too: its sentence reaches the moderator whole.
        rules.append(text if text in known else compile_rule(text).text)
    unique = tuple(dict.fromkeys(rules))
    grew = current is None or len(unique) > len(current.blocked_words)
    if grew and len(unique) > MAX_RULES:
        raise InvalidSetting(TOO_MANY_RULES, limit=MAX_RULES)
    return unique


def _whole(value: object) -> int | None:
    """``value`` if it is a whole number (a bool is not), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _snowflake(label: Message, value: object) -> int:
    number = _whole(value)
    if number is None or number <= 0:
        raise InvalidSetting(NOT_AN_ID, setting=label)
    return number


def _items(label: Message, value: object) -> list[object]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise InvalidSetting(NOT_A_LIST, setting=label)
    return list(value)


def _text(label: Message, value: object) -> str:
    if not isinstance(value, str):
        raise InvalidSetting(NOT_TEXT, setting=label)
    return value
