"""How settings read in Discord messages, in the reader's language.

Every function takes the ``Language`` to speak (the moderator's for their own answers,
the server's for its log channel); without one it writes the English.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from imagecore.delivery.text_limits import clip
from imagecore.i18n import N_, Catalogs, Language, Message
from imagecore.i18n.sizes import localized_size_label
from imagecore.policy.guild_settings import EffectiveSetting, SettingChange

__all__ = [
    "LABELS",
    "LANGUAGE_NAMES",
    "describe_change",
    "describe_setting",
    "english",
    "format_value",
]

LABELS = {
    # Translators: this and the names below are a server's settings, as /imagine-settings
    # show lists them.
    "size": N_("Default size"),
    "negative_prompt": N_("Default negative prompt"),
    "prompt_extend": N_("Prompt extend"),
    "watermark": N_("Watermark"),
    "model": N_("Model"),
    "count": N_("Images per request"),
    "edit_model": N_("Edit model"),
    "editing": N_("Editing"),
    "language": N_("Language"),
    "cooldown_seconds": N_("Cooldown (s)"),
    "max_pending_per_user": N_("Pending jobs per member"),
    "user_daily_images": N_("Images per member per day"),
    "guild_daily_images": N_("Images per server per day"),
    "exempt_role_id": N_("Exempt role"),
    "allowed_channel_ids": N_("Channels"),
    "allowed_role_ids": N_("Roles allowed"),
    "blocked_words": N_("Blocked words"),
    "log_channel_id": N_("Log channel"),
}
# What an empty setting means, setting by setting.
EMPTY = {
    # Translators: the channel list is empty: /imagine works in every channel.
    "allowed_channel_ids": N_("everywhere"),
    # Translators: the role list is empty: every member may use /imagine.
    "allowed_role_ids": N_("everyone"),
    "blocked_words": N_("none"),
    "user_daily_images": N_("no limit"),
    "guild_daily_images": N_("no limit"),
    "cooldown_seconds": N_("none"),
}
NOT_SET = N_("not set")
ON = N_("on")
OFF = N_("off")
# Each language in its own words, so a moderator finds theirs whatever Discord shows;
# "auto" is said in the reader's language.
LANGUAGE_NAMES = {
    "auto": N_("auto (the server's Discord language)"),
    "zh-CN": "简体中文",
    "zh-TW": "繁體中文",
    "en-US": "English",
}
SOURCES = {
    # Translators: where a setting in force comes from: this server's own setting...
    "server": N_("server"),
    # Translators: ...or the bot's own default (its .env), as the server set nothing.
    "bot default": N_("bot default"),
}
# Translators: one line of /imagine-settings show: the setting, its value, where it comes
# from (server or bot default).
SETTING_LINE = N_("**{setting}:** {value} · _{source}_")
# Translators: one changed setting, its old value and its new one.
CHANGE_LINE = N_("{setting}: {old} → {new}")
# Translators: a list setting (channels, roles, blocked words) and what moved on it.
LIST_CHANGE_LINE = N_("{setting}: {changes}")
# Translators: {items} are channel or role mentions, or blocked-word rules.
ADDED = N_("added {items}")
REMOVED = N_("removed {items}")
# Translators: a list holds the same entries as before, in another order.
REORDERED = N_("reordered")


@cache
def english() -> Language:
    """The bot's English, from the message ids."""
    return Catalogs.english_only().language(None)


def format_value(name: str, value: Any, language: Language | None = None) -> str:
    say = (language or english()).say
    if value is None or value == () or value == "":
        if name == "language":
            return say(LANGUAGE_NAMES["auto"])
        return say(EMPTY.get(name, NOT_SET))
    if isinstance(value, bool):
        return say(ON if value else OFF)
    if name == "size":
        return localized_size_label(language or english(), value)
    if name == "language" and value in LANGUAGE_NAMES:
        return say(LANGUAGE_NAMES[value])
    if name in ("exempt_role_id",):
        return f"<@&{value}>"
    if name == "log_channel_id":
        return f"<#{value}>"
    if name == "allowed_channel_ids":
        return ", ".join(f"<#{v}>" for v in value)
    if name == "allowed_role_ids":
        return ", ".join(f"<@&{v}>" for v in value)
    if name == "blocked_words":
        return ", ".join(f"`{v}`" for v in value)
    return clip(str(value), 200)


def describe_setting(setting: EffectiveSetting, language: Language | None = None) -> str:
    params = {
        "setting": Message(LABELS[setting.name]),
        "value": format_value(setting.name, setting.value, language),
        "source": Message(SOURCES[setting.source]) if setting.source in SOURCES else setting.source,
    }
    return (language or english()).say(Message(SETTING_LINE, params))


LIST_FIELDS = ("allowed_channel_ids", "allowed_role_ids", "blocked_words")


def describe_change(change: SettingChange, language: Language | None = None) -> str:
    say = (language or english()).say
    label = Message(LABELS[change.name]) if change.name in LABELS else change.name
    if change.name in LIST_FIELDS and change.new:
        # Whole lists can run to thousands of characters: say what moved.
        old, new = tuple(change.old or ()), tuple(change.new or ())
        added = [v for v in new if v not in old]
        removed = [v for v in old if v not in new]
        parts = []
        if added:
            parts.append(say(Message(ADDED, {"items": format_value(change.name, tuple(added))})))
        if removed:
            items = format_value(change.name, tuple(removed))
            parts.append(say(Message(REMOVED, {"items": items})))
        changes = "; ".join(parts) or say(REORDERED)
        return say(Message(LIST_CHANGE_LINE, {"setting": label, "changes": changes}))
    params = {
        "setting": label,
        "old": format_value(change.name, change.old, language),
        "new": format_value(change.name, change.new, language),
    }
    return say(Message(CHANGE_LINE, params))
