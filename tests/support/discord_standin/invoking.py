"""Acting as a Discord user: slash commands, context menus, autocomplete, buttons and
modals, each turned into an INTERACTION_CREATE for the connected bot(s)."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Mapping, Sequence
from typing import Any

from . import permissions as perms
from .commands import RegisteredCommand
from .errors import (
    CommandNotAvailable,
    ComponentNotFound,
    InvalidOptions,
    MissingCommandPermissions,
    NoGatewayConnected,
)
from .events import GatewayEvents
from .interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    InteractionRecord,
)
from .models import (
    Channel,
    Guild,
    Member,
    StoredAttachment,
    StoredMessage,
    UploadedFile,
    User,
)
from .options import AttachmentInput, ResolvedBuilder, build_options
from .validation import CHAT_INPUT, MESSAGE_COMMAND, USER_COMMAND

CONTEXT_GUILD, CONTEXT_BOT_DM = 0, 1


class InteractionDriver(GatewayEvents):
    """``invoke``/``autocomplete``/``click``/``submit_modal``/context-menu commands."""

    def allow_command(self, guild: Guild, name: str, member: Member) -> None:
        """An admin's per-server override: ``member`` may use ``/name`` whatever its
        default_member_permissions say (Discord then sends the interaction as usual)."""
        overrides = self.__dict__.setdefault("command_overrides", {})
        overrides.setdefault((guild.id, name), set()).add(member.user.id)

    def registered_commands(self, guild: Guild | None = None) -> list[dict[str, Any]]:
        """Commands as Discord would return them (global, or for one guild)."""
        return [c.payload() for c in self.commands.in_scope(guild.id if guild else None)]

    def command(
        self, name: str, guild: Guild | None = None, *, type_: int = CHAT_INPUT
    ) -> RegisteredCommand | None:
        return self.commands.find(guild.id if guild else None, name, type_)

    def _lookup_command(self, guild: Guild | None, name: str, type_: int) -> RegisteredCommand:
        """What the user's command picker would offer: guild commands, then global ones
        allowed in this context."""
        if guild is not None:
            found = self.commands.find(guild.id, name, type_)
            if found is not None:
                return found
        found = self.commands.find(None, name, type_)
        if found is not None:
            contexts = found.contexts
            if guild is not None and (contexts is None or CONTEXT_GUILD in contexts):
                return found
            if guild is None:
                if contexts is None and found.dm_permission:
                    return found
                if contexts is not None and CONTEXT_BOT_DM in contexts:
                    return found
            where = "in guilds" if guild is not None else "in DMs"
            raise CommandNotAvailable(
                f"/{name} is registered but not usable {where} (contexts={contexts})"
            )
        scope = [c.name for c in self.commands.in_scope(None)]
        if guild is not None:
            scope += [c.name for c in self.commands.in_scope(guild.id)]
        raise CommandNotAvailable(
            f"no command {name!r} (type {type_}) here; registered: {sorted(scope)}"
        )

    def _check_can_use(
        self,
        command: RegisteredCommand,
        guild: Guild | None,
        channel: Channel,
        member: Member | None,
    ) -> None:
        if guild is None or member is None:
            return
        channel_perms = guild.permissions_in(member, channel)
        needed = perms.VIEW_CHANNEL | perms.USE_APPLICATION_COMMANDS
        if channel_perms & needed != needed:
            raise MissingCommandPermissions(
                f"{member.user.username} cannot use application commands in #{channel.name}"
            )
        required = command.default_member_permissions
        if required is None:
            return
        # Server admins can let chosen members or roles use a command regardless of its
        # default_member_permissions (Server Settings → Integrations): bots must re-check.
        allowed = getattr(self, "command_overrides", {}).get((guild.id, command.name), set())
        if member.user.id in allowed or allowed & set(member.role_ids):
            return
        base = guild.base_permissions(member)
        if base == perms.ALL_PERMISSIONS:
            return
        # "0" means "nobody but administrators"; otherwise every listed bit is needed.
        if required == 0 or base & required != required:
            raise MissingCommandPermissions(
                f"{member.user.username} lacks default_member_permissions={required} for "
                f"/{command.name} (has {base}); Discord hides the command"
            )

    # ------------------------------------------------------------------ interactions

    def _context(
        self, guild: Guild | None, channel: Channel | None, user: Member | User
    ) -> tuple[Channel, User, Member | None]:
        plain_user = user.user if isinstance(user, Member) else user
        if guild is None:
            if channel is not None and channel.guild is not None:
                raise ValueError("channel belongs to a guild; pass that guild")
            return channel or self.dm_channel(plain_user), plain_user, None
        if channel is None or channel.guild is not guild:
            raise ValueError("pass a channel of that guild")
        member = self._as_member(guild, user)
        if member is None:
            raise CommandNotAvailable(f"{plain_user.username} is not a member of {guild.name}")
        return channel, plain_user, member

    def _new_interaction(
        self,
        type_: int,
        guild: Guild | None,
        channel: Channel,
        user: User,
        member: Member | None,
        data: dict[str, Any] | None,
        *,
        command_name: str | None = None,
        message: StoredMessage | None = None,
        parent: InteractionRecord | None = None,
    ) -> InteractionRecord:
        # A positive ``interaction_age`` dates the interaction in the past, as when the
        # gateway delivers it late: the bot sees less of its 15 minutes left.
        age = getattr(self, "interaction_age", 0.0)
        interaction_id = self.snowflakes.at(time.time() - age) if age else self.snowflakes.next()
        # Real tokens are long base64-ish strings starting with "aW50ZXJhY3Rpb246".
        token = "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(48)
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": type_,
            "token": token,
            "version": 1,
            "locale": user.locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": channel.upload_limit,
            "app_permissions": str(self.app_permissions(channel)),
            "channel": {**channel.payload(), "name": channel.name},
            "channel_id": str(channel.id),
        }
        if data is not None:
            payload["data"] = data
        if guild is not None and member is not None:
            payload.update(
                guild_id=str(guild.id),
                guild=guild.interaction_payload(),
                guild_locale=guild.locale,
                member=member.payload(permissions=guild.permissions_in(member, channel)),
                context=CONTEXT_GUILD,
                authorizing_integration_owners={"0": str(guild.id)},
            )
        else:
            payload.update(
                user=user.payload(),
                context=CONTEXT_BOT_DM,
                authorizing_integration_owners={"0": "0"},
            )
        if message is not None:
            payload["message"] = message.payload()
        return InteractionRecord(
            clock=self.clock,
            interaction_id=interaction_id,
            token=token,
            type_=type_,
            payload=payload,
            user=user,
            member=member,
            channel=channel,
            guild=guild,
            command_name=command_name,
            source_message=message,
            parent=parent,
            ack_deadline=self.ack_deadline,
        )

    async def _dispatch_interaction(self, record: InteractionRecord) -> InteractionRecord:
        if not self.gateway.connected_sessions():
            raise NoGatewayConnected(
                "no bot is connected to the stand-in's gateway; start it and await wait_until_ready()"
            )
        # Register before sending: a fast bot may call back before gather() returns.
        self.interactions.append(record)
        self._interactions_by_id[record.id] = record
        self._interactions_by_token[record.token] = record
        record.dispatched_at = record.last_activity = self.clock()
        futures = self.gateway.dispatch("INTERACTION_CREATE", record.payload)
        record.delivered_to = len(futures)
        await asyncio.gather(*futures, return_exceptions=True)
        return record

    async def invoke(
        self,
        guild: Guild | None,
        channel: Channel | None,
        user: Member | User,
        command: str,
        /,
        options: Mapping[str, Any] | None = None,
        **values: Any,
    ) -> InteractionRecord:
        """Run a slash command as ``user`` would: ``"imagine"`` or ``"settings defaults"``
        (sub-command path after the name). Option values come as keywords (or in
        ``options`` for names that aren't identifiers). Returns once dispatched."""
        return await self._slash(guild, channel, user, command, {**(options or {}), **values}, None)

    async def autocomplete(
        self,
        guild: Guild | None,
        channel: Channel | None,
        user: Member | User,
        command: str,
        /,
        focused: str,
        options: Mapping[str, Any] | None = None,
        **values: Any,
    ) -> InteractionRecord:
        """Type-4 interaction while the user types option ``focused``; the bot's choices
        end up in ``record.autocomplete_choices``."""
        return await self._slash(
            guild, channel, user, command, {**(options or {}), **values}, focused
        )

    async def _slash(
        self,
        guild: Guild | None,
        channel: Channel | None,
        user: Member | User,
        command: str,
        values: dict[str, Any],
        focused: str | None,
    ) -> InteractionRecord:
        name, *path = command.split()
        channel, plain_user, member = self._context(guild, channel, user)
        registered = self._lookup_command(guild, name, CHAT_INPUT)
        self._check_can_use(registered, guild, channel, member)
        resolved = ResolvedBuilder(
            guild=guild,
            channel_permissions=lambda c: self.permissions_for(member or plain_user, c),
            store_attachment=lambda a: self.messages.store_attachment(
                channel.id,
                filename=a.filename,
                data=a.data,
                content_type=a.content_type,
                description=a.description,
                ephemeral=True,
            ),
        )
        if focused is not None:
            _require_autocomplete(registered, path, focused)
        options = build_options(registered, path, values, resolved, focused=focused)
        data: dict[str, Any] = {
            "id": str(registered.id),
            "name": registered.name,
            "type": CHAT_INPUT,
        }
        if options:
            data["options"] = options
        if resolved.payload():
            data["resolved"] = resolved.payload()
        if registered.guild_id is not None:
            data["guild_id"] = str(registered.guild_id)
        record = self._new_interaction(
            AUTOCOMPLETE if focused is not None else APPLICATION_COMMAND,
            guild,
            channel,
            plain_user,
            member,
            data,
            command_name=" ".join([name, *path]),
        )
        return await self._dispatch_interaction(record)

    async def invoke_user_command(
        self,
        guild: Guild | None,
        channel: Channel | None,
        user: Member | User,
        name: str,
        target: Member | User,
    ) -> InteractionRecord:
        """Right-click a user -> Apps -> ``name``."""
        channel, plain_user, member = self._context(guild, channel, user)
        registered = self._lookup_command(guild, name, USER_COMMAND)
        self._check_can_use(registered, guild, channel, member)
        resolved = ResolvedBuilder(
            guild=guild, channel_permissions=lambda c: 0, store_attachment=_no_attachments
        )
        target_id = resolved.add_user(target)
        data: dict[str, Any] = {
            "id": str(registered.id),
            "name": registered.name,
            "type": USER_COMMAND,
            "target_id": target_id,
            "resolved": resolved.payload(),
        }
        if registered.guild_id is not None:
            data["guild_id"] = str(registered.guild_id)
        record = self._new_interaction(
            APPLICATION_COMMAND, guild, channel, plain_user, member, data, command_name=name
        )
        return await self._dispatch_interaction(record)

    def post_as(
        self,
        guild: Guild | None,
        channel: Channel | None,
        user: Member | User,
        content: str = "",
        *,
        files: Sequence[AttachmentInput] = (),
    ) -> StoredMessage:
        """A message the member typed in their client, with ``files`` uploaded with it."""
        channel, plain_user, member = self._context(guild, channel, user)
        uploads = [
            UploadedFile(f"files[{index}]", f.filename, f.content_type, f.data)
            for index, f in enumerate(files)
        ]
        message = self.messages.create(
            channel, plain_user, {"content": content}, uploads, author_member=member
        )
        self.broadcast_message_create(message)
        return message

    async def invoke_message_command(
        self,
        guild: Guild | None,
        channel: Channel | None,
        user: Member | User,
        name: str,
        target: StoredMessage,
    ) -> InteractionRecord:
        """Right-click a message -> Apps -> ``name``."""
        channel, plain_user, member = self._context(guild, channel, user)
        registered = self._lookup_command(guild, name, MESSAGE_COMMAND)
        self._check_can_use(registered, guild, channel, member)
        data: dict[str, Any] = {
            "id": str(registered.id),
            "name": registered.name,
            "type": MESSAGE_COMMAND,
            "target_id": str(target.id),
            "resolved": {"messages": {str(target.id): target.payload()}},
        }
        if registered.guild_id is not None:
            data["guild_id"] = str(registered.guild_id)
        record = self._new_interaction(
            APPLICATION_COMMAND, guild, channel, plain_user, member, data, command_name=name
        )
        return await self._dispatch_interaction(record)

    async def click(
        self,
        message: StoredMessage,
        custom_id: str,
        user: Member | User,
        *,
        values: Sequence[str] | None = None,
    ) -> InteractionRecord:
        """Press a button (or pick ``values`` in a select menu) on a stored message."""
        current = self.messages.get(message.id)
        if current is None or current.deleted:
            raise ComponentNotFound(f"message {message.id} does not exist (or was deleted)")
        component = current.component(custom_id)
        if component is None:
            raise ComponentNotFound(
                f"message {message.id} has no component {custom_id!r}; it has {current.custom_ids}"
            )
        if component.get("disabled"):
            raise ComponentNotFound(f"component {custom_id!r} is disabled")
        guild = current.guild
        channel, plain_user, member = self._context(guild, current.channel, user)
        if current.ephemeral and current.interaction_id is not None:
            owner = self._interactions_by_id.get(current.interaction_id)
            if owner is not None and owner.user.id != plain_user.id:
                raise ComponentNotFound("only the user who received an ephemeral message sees it")
        ctype = int(component.get("type", 2))
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": ctype}
        if ctype == 2:
            if values is not None:
                raise InvalidOptions("buttons take no values")
        else:
            chosen = list(values or [])
            low, high = component.get("min_values", 1), component.get("max_values", 1)
            if not low <= len(chosen) <= high:
                raise InvalidOptions(
                    f"select {custom_id!r} needs {low}..{high} values, got {len(chosen)}"
                )
            if ctype == 3:
                allowed = [o.get("value") for o in component.get("options", [])]
                bad = [v for v in chosen if v not in allowed]
                if bad:
                    raise InvalidOptions(f"{bad} not among the select's options {allowed}")
            data["values"] = chosen
        record = self._new_interaction(
            MESSAGE_COMPONENT,
            guild,
            channel,
            plain_user,
            member,
            data,
            command_name=custom_id,
            message=current,
        )
        return await self._dispatch_interaction(record)

    async def submit_modal(
        self,
        opened_by: InteractionRecord,
        values: Mapping[str, str | Sequence[str]],
    ) -> InteractionRecord:
        """Fill in and submit the modal the bot showed in reply to ``opened_by``."""
        modal = opened_by.modal
        if modal is None:
            raise ComponentNotFound(f"interaction {opened_by.id} did not open a modal")
        inputs: dict[str, dict[str, Any]] = {}

        def collect(node: Any) -> None:
            if isinstance(node, dict):
                if node.get("custom_id") and node.get("type") in (3, 4, 5, 6, 7, 8):
                    inputs[node["custom_id"]] = node
                for key in ("components", "component"):
                    if key in node:
                        collect(node[key])
            elif isinstance(node, list):
                for item in node:
                    collect(item)

        collect(modal.get("components"))
        unknown = set(values) - set(inputs)
        if unknown:
            raise InvalidOptions(f"modal has no inputs {sorted(unknown)}; it has {sorted(inputs)}")
        for custom_id, spec in inputs.items():
            if spec.get("required", True) and spec.get("type") == 4 and not values.get(custom_id):
                raise InvalidOptions(f"modal input {custom_id!r} is required")

        def answer(spec: dict[str, Any]) -> dict[str, Any]:
            out: dict[str, Any] = {"type": spec["type"], "custom_id": spec["custom_id"]}
            if "id" in spec:
                out["id"] = spec["id"]
            value = values.get(spec["custom_id"], "" if spec["type"] == 4 else [])
            if spec["type"] == 4:
                text = str(value)
                low, high = spec.get("min_length", 0), spec.get("max_length", 4000)
                if text and not low <= len(text) <= high:
                    raise InvalidOptions(
                        f"modal input {spec['custom_id']!r}: length outside {low}..{high}"
                    )
                out["value"] = text
            else:
                out["values"] = [value] if isinstance(value, str) else list(value)
            return out

        rows: list[dict[str, Any]] = []
        for top in modal.get("components") or []:
            if top.get("type") == 1:  # legacy action row
                rows.append(
                    {
                        "type": 1,
                        "components": [
                            answer(c)
                            for c in top.get("components", [])
                            if c.get("custom_id") in inputs
                        ],
                    }
                )
            elif top.get("type") == 18 and isinstance(top.get("component"), dict):  # label
                inner = top["component"]
                if inner.get("custom_id") in inputs:
                    row: dict[str, Any] = {"type": 18, "component": answer(inner)}
                    if "id" in top:
                        row["id"] = top["id"]
                    rows.append(row)
        parent = opened_by
        record = self._new_interaction(
            MODAL_SUBMIT,
            parent.guild,
            parent.channel,
            parent.user,
            parent.member,
            {"custom_id": modal.get("custom_id"), "components": rows},
            command_name=str(modal.get("custom_id")),
            message=parent.source_message,
            parent=parent,
        )
        return await self._dispatch_interaction(record)


def _no_attachments(_: AttachmentInput) -> StoredAttachment:
    raise InvalidOptions("this interaction takes no attachments")


def _require_autocomplete(command: RegisteredCommand, path: list[str], focused: str) -> None:
    specs = command.options
    for name in path:
        specs = next((s.get("options") or [] for s in specs if s.get("name") == name), [])
    spec = next((s for s in specs if s.get("name") == focused), None)
    if spec is not None and not spec.get("autocomplete"):
        raise InvalidOptions(f"option {focused!r} of /{command.name} has no autocomplete")
