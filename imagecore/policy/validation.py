"""What a server's settings may be set to: one check for every path that changes them.

Each problem is a ValueError with a short sentence naming the setting, said to the
moderator as is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from imagecore.api.request import MAX_NEGATIVE_PROMPT
from imagecore.i18n.languages import SERVER_LANGUAGE_CHOICES
from imagecore.policy.blocked_words import MAX_RULES, compile_rule
from imagecore.policy.guild_settings import BotDefaults, GuildSettings
from imagecore.policy.sizes import normalise_size

__all__ = ["LIMIT_BOUNDS", "limit_bounds", "validate_changes"]

# Inclusive. The pending limit's ceiling is the bot's own (limit_bounds): the queue
# enforces that one anyway, so a server can only lower it.
LIMIT_BOUNDS: Mapping[str, tuple[int, int]] = {
    "cooldown_seconds": (0, 86_400),
    "max_pending_per_user": (1, 100),
    "user_daily_images": (1, 100_000),
    "guild_daily_images": (1, 1_000_000),
}
LABELS = {
    "size": "The default size",
    "negative_prompt": "The default negative prompt",
    "prompt_extend": "Prompt extend",
    "watermark": "Watermark",
    "model": "The model",
    "count": "The number of images",
    "edit_model": "The edit model",
    "editing": "Editing",
    "language": "The language",
    "cooldown_seconds": "The cooldown (seconds)",
    "max_pending_per_user": "Images waiting per member",
    "user_daily_images": "Images per member per day",
    "guild_daily_images": "Images for the server per day",
    "exempt_role_id": "The exempt role",
    "allowed_channel_ids": "The channel list",
    "allowed_role_ids": "The role list",
    "blocked_words": "The blocked-word list",
    "log_channel_id": "The log channel",
}


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
            raise ValueError(f"There is no setting called “{name}”.")
        if value is None:
            # The lists' default is empty; every other setting's is "the bot's".
            out[name] = () if name in LISTS else None
        else:
            out[name] = _check(name, LABELS[name], value, defaults, current)
    return out


LISTS = ("allowed_channel_ids", "allowed_role_ids", "blocked_words")


def _check(
    name: str, label: str, value: object, defaults: BotDefaults, current: GuildSettings | None
) -> object:
    match name:
        case "size":
            return normalise_size(_text(label, value), defaults.sizes)
        case "negative_prompt":
            text = _text(label, value).strip()
            if len(text) > MAX_NEGATIVE_PROMPT:
                raise ValueError(f"{label} may be at most {MAX_NEGATIVE_PROMPT} characters.")
            return text or None
        case "prompt_extend" | "watermark" | "editing":
            if not isinstance(value, bool):
                raise ValueError(f"{label} must be on or off.")
            return value
        case "model":
            model = _text(label, value).strip()
            offered = defaults.models or (defaults.model,)
            if model not in offered:
                raise ValueError(f"Unknown model “{model}”. This bot offers: {', '.join(offered)}.")
            return model
        case "edit_model":
            model = _text(label, value).strip()
            offered = defaults.edit_models or (defaults.edit_model,)
            if model not in offered:
                raise ValueError(
                    f"Unknown edit model “{model}”. This bot offers: {', '.join(offered)}."
                )
            return model
        case "language":
            tag = _text(label, value).strip()
            if tag not in SERVER_LANGUAGE_CHOICES:
                raise ValueError(f"{label} must be one of {', '.join(SERVER_LANGUAGE_CHOICES)}.")
            return None if tag == "auto" else tag
        case "count":
            number = _whole(value)
            if number is None or not 1 <= number <= defaults.max_images:
                raise ValueError(
                    f"{label} must be a whole number between 1 and {defaults.max_images}."
                )
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
        raise ValueError(f"{label} must be a whole number between {low} and {high}.")
    return number


def _rules(label: str, values: list[object], current: GuildSettings | None) -> tuple[str, ...]:
    known = set(current.blocked_words) if current is not None else set()
    rules: list[str] = []
    for value in values:
        text = _text(label, value).strip()
        # InvalidRule is a ValueError with a sentence for the moderator.
        rules.append(text if text in known else compile_rule(text).text)
    unique = tuple(dict.fromkeys(rules))
    grew = current is None or len(unique) > len(current.blocked_words)
    if grew and len(unique) > MAX_RULES:
        raise ValueError(f"A server may have at most {MAX_RULES} blocked-word rules.")
    return unique


def _whole(value: object) -> int | None:
    """``value`` if it is a whole number (a bool is not), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _snowflake(label: str, value: object) -> int:
    number = _whole(value)
    if number is None or number <= 0:
        raise ValueError(f"{label} must be a channel or role of this server.")
    return number


def _items(label: str, value: object) -> list[object]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise ValueError(f"{label} must be a list.")
    return list(value)


def _text(label: str, value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{label} must be text.")
    return value
