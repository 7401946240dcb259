"""How settings read in Discord messages."""

from __future__ import annotations

from typing import Any

from imagecore.delivery.text_limits import clip
from imagecore.policy.guild_settings import EffectiveSetting, SettingChange
from imagecore.policy.sizes import size_label

__all__ = ["LABELS", "describe_change", "describe_setting", "format_value"]

LABELS = {
    "size": "Default size",
    "negative_prompt": "Default negative prompt",
    "prompt_extend": "Prompt extend",
    "watermark": "Watermark",
    "model": "Model",
    "count": "Images per request",
    "edit_model": "Edit model",
    "editing": "Editing",
    "language": "Language",
    "cooldown_seconds": "Cooldown (s)",
    "max_pending_per_user": "Pending jobs per member",
    "user_daily_images": "Images per member per day",
    "guild_daily_images": "Images per server per day",
    "exempt_role_id": "Exempt role",
    "allowed_channel_ids": "Channels",
    "allowed_role_ids": "Roles allowed",
    "blocked_words": "Blocked words",
    "log_channel_id": "Log channel",
}
EMPTY = {
    "allowed_channel_ids": "everywhere",
    "allowed_role_ids": "everyone",
    "blocked_words": "none",
    "user_daily_images": "no limit",
    "guild_daily_images": "no limit",
    "cooldown_seconds": "none",
    "language": "auto",
}


def format_value(name: str, value: Any) -> str:
    if value is None or value == () or value == "":
        return EMPTY.get(name, "not set")
    if isinstance(value, bool):
        return "on" if value else "off"
    if name == "size":
        return size_label(value)
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


def describe_setting(setting: EffectiveSetting) -> str:
    return f"**{LABELS[setting.name]}:** {format_value(setting.name, setting.value)} · _{setting.source}_"


LIST_FIELDS = ("allowed_channel_ids", "allowed_role_ids", "blocked_words")


def describe_change(change: SettingChange) -> str:
    if change.name in LIST_FIELDS and change.new:
        # Whole lists can run to thousands of characters: say what moved.
        old, new = tuple(change.old or ()), tuple(change.new or ())
        added = [v for v in new if v not in old]
        removed = [v for v in old if v not in new]
        parts = []
        if added:
            parts.append("added " + format_value(change.name, tuple(added)))
        if removed:
            parts.append("removed " + format_value(change.name, tuple(removed)))
        return f"{LABELS[change.name]}: " + ("; ".join(parts) or "reordered")
    return (
        f"{LABELS.get(change.name, change.name)}: {format_value(change.name, change.old)} → "
        f"{format_value(change.name, change.new)}"
    )
