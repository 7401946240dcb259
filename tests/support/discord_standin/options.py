"""Turn a test's ``invoke(..., prompt="cat", size="1328*1328")`` into ``data.options``.

Options are typed from the command *as the bot registered it*, and checked the way
Discord's UI would (a user simply cannot submit an unknown option, a value outside
min/max, or a non-listed choice), so those raise ``InvalidOptions`` in the test.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .commands import RegisteredCommand
from .errors import CommandNotAvailable, InvalidOptions
from .models import Channel, Guild, Member, Role, StoredAttachment, User
from .validation import (
    MAX_SAFE_INTEGER,
    OPT_ATTACHMENT,
    OPT_BOOLEAN,
    OPT_CHANNEL,
    OPT_INTEGER,
    OPT_MENTIONABLE,
    OPT_NUMBER,
    OPT_ROLE,
    OPT_STRING,
    OPT_USER,
    SUB_COMMAND,
    SUB_COMMAND_GROUP,
)

TYPE_NAMES = {
    OPT_STRING: "string",
    OPT_INTEGER: "integer",
    OPT_BOOLEAN: "boolean",
    OPT_USER: "user",
    OPT_CHANNEL: "channel",
    OPT_ROLE: "role",
    OPT_MENTIONABLE: "mentionable",
    OPT_NUMBER: "number",
    OPT_ATTACHMENT: "attachment",
}


@dataclass(eq=False)
class AttachmentInput:
    """A file the test "uploads" into an attachment option."""

    filename: str
    data: bytes
    content_type: str | None = None
    description: str | None = None


class ResolvedBuilder:
    """Accumulates ``data.resolved`` for user/member/role/channel/attachment options."""

    def __init__(
        self,
        *,
        guild: Guild | None,
        channel_permissions: Callable[[Channel], int],
        store_attachment: Callable[[AttachmentInput], StoredAttachment],
    ) -> None:
        self.guild = guild
        self._channel_permissions = channel_permissions
        self._store_attachment = store_attachment
        self.users: dict[str, Any] = {}
        self.members: dict[str, Any] = {}
        self.roles: dict[str, Any] = {}
        self.channels: dict[str, Any] = {}
        self.attachments: dict[str, Any] = {}
        self.messages: dict[str, Any] = {}

    def add_user(self, who: User | Member) -> str:
        user = who.user if isinstance(who, Member) else who
        self.users[str(user.id)] = user.payload()
        member = who if isinstance(who, Member) else None
        if member is None and self.guild is not None:
            member = self.guild.members.get(user.id)
        if member is not None and self.guild is not None and member.guild is self.guild:
            # Resolved members carry no ``user`` but do carry their guild permissions.
            self.members[str(user.id)] = member.payload(
                permissions=self.guild.base_permissions(member), with_user=False
            )
        return str(user.id)

    def add_role(self, role: Role) -> str:
        self.roles[str(role.id)] = role.payload()
        return str(role.id)

    def add_channel(self, channel: Channel) -> str:
        data = channel.payload()
        data.setdefault("name", None)
        data["permissions"] = str(self._channel_permissions(channel))
        self.channels[str(channel.id)] = data
        return str(channel.id)

    def add_attachment(self, value: AttachmentInput | StoredAttachment) -> str:
        stored = value if isinstance(value, StoredAttachment) else self._store_attachment(value)
        self.attachments[str(stored.id)] = stored.payload()
        return str(stored.id)

    def payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in ("users", "members", "roles", "channels", "attachments", "messages"):
            value = getattr(self, key)
            if value:
                out[key] = value
        return out


def _check_choices(spec: dict[str, Any], value: Any, where: str) -> None:
    choices = spec.get("choices")
    if choices and value not in [c.get("value") for c in choices]:
        listed = ", ".join(repr(c.get("value")) for c in choices)
        raise InvalidOptions(f"{where}: {value!r} is not one of the choices ({listed})")


def _coerce(spec: dict[str, Any], value: Any, where: str, resolved: ResolvedBuilder) -> Any:
    otype = spec.get("type")
    if otype == OPT_STRING:
        if not isinstance(value, str):
            raise InvalidOptions(f"{where}: expected a string, got {type(value).__name__}")
        low = spec.get("min_length") or 0
        high = spec.get("max_length") or 6000
        if not low <= len(value) <= high:
            raise InvalidOptions(f"{where}: length {len(value)} outside {low}..{high}")
        _check_choices(spec, value, where)
        return value
    if otype in (OPT_INTEGER, OPT_NUMBER):
        kind = TYPE_NAMES[otype]
        numeric = (int,) if otype == OPT_INTEGER else (int, float)
        if isinstance(value, bool) or not isinstance(value, numeric):
            raise InvalidOptions(f"{where}: expected {kind}, got {type(value).__name__}")
        if abs(value) > MAX_SAFE_INTEGER:
            raise InvalidOptions(f"{where}: {value} is outside Discord's safe integer range")
        low, high = spec.get("min_value"), spec.get("max_value")
        if low is not None and value < low:
            raise InvalidOptions(f"{where}: {value} is below min_value {low}")
        if high is not None and value > high:
            raise InvalidOptions(f"{where}: {value} is above max_value {high}")
        _check_choices(spec, value, where)
        return value
    if otype == OPT_BOOLEAN:
        if not isinstance(value, bool):
            raise InvalidOptions(f"{where}: expected a bool, got {type(value).__name__}")
        return value
    if otype == OPT_USER or (otype == OPT_MENTIONABLE and isinstance(value, User | Member)):
        if not isinstance(value, User | Member):
            raise InvalidOptions(f"{where}: expected a stand-in User or Member")
        return resolved.add_user(value)
    if otype == OPT_ROLE or (otype == OPT_MENTIONABLE and isinstance(value, Role)):
        if not isinstance(value, Role):
            raise InvalidOptions(f"{where}: expected a stand-in Role")
        if resolved.guild is None or value.guild_id != resolved.guild.id:
            raise InvalidOptions(f"{where}: role {value.name!r} is not in this guild")
        return resolved.add_role(value)
    if otype == OPT_CHANNEL:
        if not isinstance(value, Channel):
            raise InvalidOptions(f"{where}: expected a stand-in Channel")
        allowed = spec.get("channel_types")
        if allowed and value.type not in allowed:
            raise InvalidOptions(f"{where}: channel type {value.type} not in {allowed}")
        if resolved.guild is None or value.guild is not resolved.guild:
            raise InvalidOptions(f"{where}: channel {value.name!r} is not in this guild")
        return resolved.add_channel(value)
    if otype == OPT_ATTACHMENT:
        if not isinstance(value, AttachmentInput | StoredAttachment):
            raise InvalidOptions(f"{where}: expected an AttachmentInput")
        return resolved.add_attachment(value)
    raise InvalidOptions(f"{where}: unsupported option type {otype}")


def _value_options(
    specs: list[dict[str, Any]],
    values: Mapping[str, Any],
    where: str,
    resolved: ResolvedBuilder,
    focused: str | None,
) -> list[dict[str, Any]]:
    by_name = {s["name"]: s for s in specs}
    unknown = sorted(set(values) - set(by_name))
    if unknown:
        raise InvalidOptions(f"/{where} has no option(s) {unknown}; it has {sorted(by_name)}")
    out: list[dict[str, Any]] = []
    for spec in specs:  # Discord sends them in the registered order
        name = spec["name"]
        if name not in values or values[name] is None:
            if spec.get("required") and name != focused:
                raise InvalidOptions(f"/{where}: required option {name!r} is missing")
            continue
        if name == focused:
            # Autocomplete sends whatever the user has typed so far, unvalidated.
            out.append({"name": name, "type": spec["type"], "value": values[name], "focused": True})
            continue
        value = _coerce(spec, values[name], f"/{where} {name}", resolved)
        out.append({"name": name, "type": spec["type"], "value": value})
    return out


def build_options(
    command: RegisteredCommand,
    path: list[str],
    values: Mapping[str, Any],
    resolved: ResolvedBuilder,
    *,
    focused: str | None = None,
) -> list[dict[str, Any]]:
    """``data.options`` for ``/command path... values``, nested under sub-commands."""
    specs = command.options
    chain: list[dict[str, Any]] = []
    where = command.name
    for name in path:
        match = next(
            (
                s
                for s in specs
                if s.get("name") == name and s.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP)
            ),
            None,
        )
        if match is None:
            raise CommandNotAvailable(f"/{where} has no sub-command {name!r}")
        chain.append(match)
        specs = list(match.get("options") or [])
        where = f"{where} {name}"
    if any(s.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP) for s in specs):
        subs = [s["name"] for s in specs]
        raise CommandNotAvailable(f"/{where} cannot be run by itself; pick one of {subs}")
    if focused is not None and focused not in {s["name"] for s in specs}:
        raise InvalidOptions(f"/{where} has no option {focused!r} to autocomplete")
    options = _value_options(specs, values, where, resolved, focused)
    for spec in reversed(chain):
        options = [{"name": spec["name"], "type": spec["type"], "options": options}]
    return options
