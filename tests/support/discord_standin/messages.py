"""Message storage and Discord's create/edit rules (limits, attachments, flags).

Shared by channel messages, interaction responses and follow-ups, which Discord
validates the same way; only the error path prefix differs (``data`` for callbacks).
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Sequence
from typing import Any

from ..clock import FakeClock
from . import errors as err
from .errors import FormErrors
from .models import (
    FLAG_EPHEMERAL,
    FLAG_IS_COMPONENTS_V2,
    FLAG_LOADING,
    FLAG_SUPPRESS_EMBEDS,
    FLAG_SUPPRESS_NOTIFICATIONS,
    Channel,
    Member,
    StoredAttachment,
    StoredMessage,
    UploadedFile,
    User,
    guess_content_type,
    image_size,
)
from .snowflakes import SnowflakeFactory
from .validation import validate_message

log = logging.getLogger(__name__)

# Flags a sender may set; Discord ignores the rest.
SETTABLE_FLAGS = (
    FLAG_SUPPRESS_EMBEDS | FLAG_EPHEMERAL | FLAG_SUPPRESS_NOTIFICATIONS | FLAG_IS_COMPONENTS_V2
)


class MessageStore:
    def __init__(
        self,
        *,
        clock: FakeClock,
        snowflakes: SnowflakeFactory,
        attachment_url: Callable[[int, int, str], str],
    ) -> None:
        self._clock = clock
        self._ids = snowflakes
        self._attachment_url = attachment_url
        self.by_id: dict[int, StoredMessage] = {}
        self.attachments: dict[int, StoredAttachment] = {}

    # ------------------------------------------------------------------ lookup

    def get(self, message_id: int, channel_id: int | None = None) -> StoredMessage | None:
        message = self.by_id.get(message_id)
        if message is None or (channel_id is not None and message.channel.id != channel_id):
            return None
        return message

    def in_channel(self, channel_id: int, *, include_hidden: bool = False) -> list[StoredMessage]:
        """Messages in creation order; ephemeral and deleted ones only on request."""
        return [
            m
            for m in self.by_id.values()
            if m.channel.id == channel_id
            and (include_hidden or (not m.deleted and not m.ephemeral))
        ]

    # ------------------------------------------------------------------ attachments

    def store_attachment(
        self,
        channel_id: int,
        *,
        filename: str,
        data: bytes,
        uploaded_content_type: str | None = None,
        content_type: str | None = None,
        description: str | None = None,
        ephemeral: bool = False,
    ) -> StoredAttachment:
        attachment_id = self._ids.next()
        size = image_size(data)
        attachment = StoredAttachment(
            id=attachment_id,
            filename=filename,
            data=data,
            url=self._attachment_url(channel_id, attachment_id, filename),
            content_type=content_type or guess_content_type(filename) or uploaded_content_type,
            uploaded_content_type=uploaded_content_type,
            description=description,
            width=size[0] if size else None,
            height=size[1] if size else None,
            ephemeral=ephemeral,
        )
        self.attachments[attachment_id] = attachment
        return attachment

    def _resolve_attachments(
        self,
        channel: Channel,
        body: dict[str, Any],
        files: Sequence[UploadedFile],
        existing: list[StoredAttachment],
        *,
        ephemeral: bool,
        errors: FormErrors,
    ) -> list[StoredAttachment]:
        """Apply ``attachments`` + ``files[n]`` the way Discord does.

        ``attachments`` lists what the message keeps: existing ones by their id, new
        uploads by ``files[n]`` index. Uploads it doesn't mention are still attached.
        Without an ``attachments`` key, existing attachments stay.
        """
        limit = channel.upload_limit
        for upload in files:
            if len(upload.data) > limit:
                raise err.entity_too_large()
        by_index = {u.index: u for u in files}
        used: set[int] = set()
        result: list[StoredAttachment] = []

        def store(upload: UploadedFile, entry: dict[str, Any] | None) -> StoredAttachment:
            return self.store_attachment(
                channel.id,
                filename=(entry or {}).get("filename") or upload.filename,
                data=upload.data,
                uploaded_content_type=upload.content_type,
                description=(entry or {}).get("description"),
                ephemeral=ephemeral,
            )

        spec = body.get("attachments")
        if spec is None:
            result.extend(existing)
        else:
            current = {str(a.id): a for a in existing}
            for position, entry in enumerate(spec):
                raw_id = entry.get("id") if isinstance(entry, dict) else None
                if str(raw_id) in current:
                    result.append(current[str(raw_id)])
                    continue
                try:
                    upload = by_index.get(int(raw_id))  # type: ignore[arg-type]
                except (TypeError, ValueError):
                    upload = None
                if upload is None:
                    errors.add(
                        ["attachments", position, "id"],
                        "ATTACHMENT_NOT_FOUND",
                        f"Unknown attachment id {raw_id!r}",
                    )
                    continue
                used.add(int(raw_id))  # type: ignore[arg-type]
                result.append(store(upload, entry))
        for upload in sorted(files, key=lambda u: u.index if u.index is not None else 1 << 30):
            if upload.index not in used:
                result.append(store(upload, None))
        return result

    # ------------------------------------------------------------------ create / edit

    def create(
        self,
        channel: Channel,
        author: User,
        body: dict[str, Any],
        files: Sequence[UploadedFile] = (),
        *,
        author_member: Member | None = None,
        type_: int = 0,
        extra_flags: int = 0,
        allow_ephemeral: bool = False,
        webhook_id: int | None = None,
        application_id: int | None = None,
        interaction_id: int | None = None,
        interaction_metadata: dict[str, Any] | None = None,
        error_prefix: Sequence[str] = (),
        allow_empty: bool = False,
    ) -> StoredMessage:
        """Validate and store a new message; raises ``DiscordAPIError`` like Discord."""
        body = body or {}
        flags = int(body.get("flags") or 0) & SETTABLE_FLAGS
        if not allow_ephemeral:
            flags &= ~FLAG_EPHEMERAL
        flags |= extra_flags
        errors = FormErrors()
        validate_message(
            body,
            errors=errors,
            attachment_count=_count_attachments(body, files),
            effective_flags=flags,
        )
        attachments = self._resolve_attachments(
            channel, body, files, [], ephemeral=bool(flags & FLAG_EPHEMERAL), errors=errors
        )
        errors.raise_if_any(error_prefix)
        message = StoredMessage(
            id=self._ids.next(),
            channel=channel,
            author=author,
            created_at=self._clock.utcnow().isoformat(),
            created_mono=self._clock(),
            content=body.get("content") or "",
            embeds=normalize_embeds(body.get("embeds") or [], attachments),
            components=normalize_components(body.get("components") or []),
            attachments=attachments,
            flags=flags,
            tts=bool(body.get("tts", False)),
            type=type_,
            allowed_mentions=body.get("allowed_mentions"),
            nonce=body.get("nonce"),
            message_reference=body.get("message_reference"),
            poll=body.get("poll"),
            webhook_id=webhook_id,
            application_id=application_id,
            interaction_id=interaction_id,
            interaction_metadata=interaction_metadata,
            author_member=author_member,
        )
        if not allow_empty and _is_empty(message, body):
            raise err.empty_message()
        message.snapshot(self._clock())
        self.by_id[message.id] = message
        channel.last_message_id = message.id
        return message

    def edit(
        self,
        message: StoredMessage,
        body: dict[str, Any] | None,
        files: Sequence[UploadedFile] = (),
        *,
        error_prefix: Sequence[str] = (),
        resolve_loading: bool = True,
    ) -> StoredMessage:
        """Apply a PATCH (or UPDATE_MESSAGE callback); only the keys present change."""
        body = body or {}
        flags = message.flags
        if "flags" in body and body["flags"] is not None:
            # Only suppress-embeds and the components-v2 switch can change on edit.
            mutable = FLAG_SUPPRESS_EMBEDS | FLAG_IS_COMPONENTS_V2
            flags = (flags & ~mutable) | (int(body["flags"]) & mutable)
        if resolve_loading:
            flags &= ~FLAG_LOADING
        errors = FormErrors()
        validate_message(
            body,
            errors=errors,
            attachment_count=_count_attachments(body, files, existing=message.attachments),
            effective_flags=flags,
        )
        attachments = self._resolve_attachments(
            message.channel,
            body,
            files,
            message.attachments,
            ephemeral=message.ephemeral,
            errors=errors,
        )
        errors.raise_if_any(error_prefix)
        content = body.get("content", message.content)
        embeds = body.get("embeds", message.embeds)
        components = body.get("components", message.components)
        candidate = StoredMessage(
            id=message.id,
            channel=message.channel,
            author=message.author,
            created_at=message.created_at,
            created_mono=message.created_mono,
            content=content or "",
            embeds=normalize_embeds(embeds or [], attachments),
            components=normalize_components(components or []),
            attachments=attachments,
            flags=flags,
        )
        if _is_empty(candidate, body):
            raise err.empty_message()
        message.content = candidate.content
        message.embeds = candidate.embeds
        message.components = candidate.components
        message.attachments = attachments
        message.flags = flags
        if "allowed_mentions" in body:
            message.allowed_mentions = body["allowed_mentions"]
        message.edited_at = self._clock.utcnow().isoformat()
        message.snapshot(self._clock())
        return message

    def delete(self, message: StoredMessage) -> None:
        message.deleted = True
        message.snapshot(self._clock())


def normalize_embeds(
    embeds: list[dict[str, Any]], attachments: Sequence[StoredAttachment]
) -> list[dict[str, Any]]:
    """Embeds as Discord returns them: ``type: "rich"`` filled in, and
    ``attachment://name`` image URLs pointing at the uploaded file."""
    by_name = {a.filename: a for a in attachments}
    out = []
    for embed in embeds:
        embed = copy.deepcopy(embed)
        embed.setdefault("type", "rich")
        for key in ("image", "thumbnail"):
            part = embed.get(key)
            if not isinstance(part, dict):
                continue
            url = part.get("url")
            if isinstance(url, str) and url.startswith("attachment://"):
                attachment = by_name.get(url.removeprefix("attachment://"))
                if attachment is not None:
                    part.update(url=attachment.url, proxy_url=attachment.url)
                    if attachment.width is not None:
                        part.update(width=attachment.width, height=attachment.height)
        out.append(embed)
    return out


def normalize_components(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Components as Discord returns them: every one gets a numeric ``id`` (counting
    in tree order, skipping ids the sender chose) and selects get min/max values."""
    components = copy.deepcopy(components)
    taken: set[int] = set()
    order: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict) and "type" in node:
            order.append(node)
            if isinstance(node.get("id"), int):
                taken.add(node["id"])
            for key in ("components", "accessory", "component"):
                if key in node:
                    walk(node[key])

    walk(components)
    counter = 0
    for node in order:
        if node.get("type") in (3, 5, 6, 7, 8):
            node.setdefault("min_values", 1)
            node.setdefault("max_values", 1)
        if not isinstance(node.get("id"), int):
            counter += 1
            while counter in taken:
                counter += 1
            node["id"] = counter
    return components


def _count_attachments(
    body: dict[str, Any], files: Sequence[UploadedFile], existing: Sequence[StoredAttachment] = ()
) -> int:
    spec = body.get("attachments")
    listed = len(spec) if isinstance(spec, list) else len(existing)
    return max(listed, len(files))


def _is_empty(message: StoredMessage, body: dict[str, Any]) -> bool:
    return not (
        message.content.strip()
        or message.embeds
        or message.attachments
        or message.components
        or body.get("sticker_ids")
        or body.get("poll")
    )
