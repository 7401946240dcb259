"""Interaction endpoints: the callback and the interaction webhook (follow-ups and
``@original``), enforcing Discord's 3-second / 15-minute / acknowledge-once rules."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from . import errors as err
from .errors import DiscordAPIError, FormErrors
from .interactions import (
    ALLOWED_CALLBACKS,
    APPLICATION_COMMAND,
    APPLICATION_COMMAND_AUTOCOMPLETE_RESULT,
    CHANNEL_MESSAGE_WITH_SOURCE,
    DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
    DEFERRED_UPDATE_MESSAGE,
    MODAL,
    MODAL_SUBMIT,
    UPDATE_MESSAGE,
    CallbackAttempt,
    InteractionEvent,
    InteractionRecord,
)
from .models import FLAG_EPHEMERAL, FLAG_LOADING, StoredMessage
from .rest_base import FILES, RECORD, RestBase, truthy
from .validation import CHAT_INPUT, MESSAGE_COMMAND, USER_COMMAND

# Message types Discord gives interaction responses.
MESSAGE_DEFAULT = 0
MESSAGE_CHAT_INPUT_COMMAND = 20
MESSAGE_CONTEXT_MENU_COMMAND = 23


class InteractionRoutes(RestBase):
    def _interaction_metadata(
        self, record: InteractionRecord, *, followup_of: StoredMessage | None = None
    ) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(record.id),
            "type": record.type,
            "user": record.user.payload(),
            "authorizing_integration_owners": record.payload.get(
                "authorizing_integration_owners", {}
            ),
        }
        command = record.payload.get("data") or {}
        if record.type == APPLICATION_COMMAND:
            # Shapes per the spec's *InteractionMetadataResponse variants.
            if command.get("type") == USER_COMMAND and command.get("target_id"):
                target = (command.get("resolved") or {}).get("users", {}).get(command["target_id"])
                if target is not None:
                    data["target_user"] = target
            if command.get("type") == MESSAGE_COMMAND and command.get("target_id"):
                data["target_message_id"] = command["target_id"]
        elif record.type == MODAL_SUBMIT and record.parent is not None:
            data["triggering_interaction_metadata"] = self._interaction_metadata(record.parent)
        elif record.source_message is not None:
            data["interacted_message_id"] = str(record.source_message.id)
        if followup_of is not None:
            data["original_response_message_id"] = str(followup_of.id)
        return data

    def _response_type(self, record: InteractionRecord) -> int:
        if record.type != APPLICATION_COMMAND:
            return MESSAGE_DEFAULT
        command_type = (record.payload.get("data") or {}).get("type", CHAT_INPUT)
        return (
            MESSAGE_CHAT_INPUT_COMMAND
            if command_type == CHAT_INPUT
            else MESSAGE_CONTEXT_MENU_COMMAND
        )

    def _event(
        self,
        record: InteractionRecord,
        kind: str,
        status: int,
        message: StoredMessage | None = None,
        error_code: int | None = None,
    ) -> None:
        record.timeline.append(
            InteractionEvent(
                at=self.s.clock(),
                kind=kind,
                status=status,
                message_id=None if message is None else message.id,
                error_code=error_code,
            )
        )
        record.touch()

    async def interaction_callback(self, request: web.Request) -> web.Response:
        s = self.s
        now = s.clock()
        interaction_id = self._int(request, "interaction_id", err.unknown_interaction)
        record = s.interaction(interaction_id)
        if record is None or record.token != request.match_info["token"]:
            raise err.unknown_interaction()
        record.requests.append(request[RECORD])
        body = self._body(request)
        files = request.get(FILES) or []
        cb_type = body.get("type")

        def reject(error: DiscordAPIError) -> DiscordAPIError:
            record.callbacks.append(
                CallbackAttempt(
                    type=cb_type,
                    at=now,
                    status=error.status,
                    error_code=error.code,
                    body=body,
                    files=files,
                )
            )
            self._event(record, "rejected:callback", error.status, error_code=error.code)
            return error

        if record.acknowledged:
            raise reject(err.already_acknowledged())
        if now - record.dispatched_at > s.ack_deadline:
            raise reject(err.unknown_interaction())
        allowed = set(ALLOWED_CALLBACKS.get(record.type, set()))
        if record.type == MODAL_SUBMIT and record.source_message is None:
            allowed -= {DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE}
        if cb_type not in allowed:
            errors = FormErrors()
            errors.add(
                ["type"],
                "INTERACTION_CALLBACK_TYPE_INVALID",
                f"Value must be one of {sorted(allowed)}.",
            )
            raise reject(DiscordAPIError(400, 50035, "Invalid Form Body", errors=errors.tree))
        try:
            resource = self._apply_callback(record, int(cb_type), body.get("data") or {}, files)
        except DiscordAPIError as exc:
            raise reject(exc) from None
        with_response = truthy(request.query.get("with_response"))
        status = 200 if with_response else 204
        record.callbacks.append(
            CallbackAttempt(
                type=cb_type, at=now, status=status, error_code=None, body=body, files=files
            )
        )
        self._event(record, "callback", status, record.original)
        if not with_response:
            return self._no_content()
        interaction: dict[str, Any] = {"id": str(record.id), "type": record.type}
        if record.original is not None and cb_type in (
            CHANNEL_MESSAGE_WITH_SOURCE,
            DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
            UPDATE_MESSAGE,
        ):
            interaction.update(
                response_message_id=str(record.original.id),
                response_message_loading=record.original.loading,
                response_message_ephemeral=record.original.ephemeral,
            )
        data: dict[str, Any] = {"interaction": interaction}
        if resource is not None:
            data["resource"] = resource
        return self._json(request, data)

    def _apply_callback(
        self, record: InteractionRecord, cb_type: int, data: dict[str, Any], files: list[Any]
    ) -> dict[str, Any] | None:
        s = self.s
        channel = record.channel
        if cb_type in (CHANNEL_MESSAGE_WITH_SOURCE, DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE):
            deferred = cb_type == DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
            extra = FLAG_LOADING | (int(data.get("flags") or 0) & FLAG_EPHEMERAL) if deferred else 0
            message = s.messages.create(
                channel,
                s.bot_user,
                {} if deferred else data,
                [] if deferred else files,
                author_member=self._bot_member(channel),
                type_=self._response_type(record),
                extra_flags=extra,
                allow_ephemeral=True,
                webhook_id=s.application_id,
                application_id=s.application_id,
                interaction_id=record.id,
                interaction_metadata=self._interaction_metadata(record),
                error_prefix=["data"],
                allow_empty=deferred,
            )
            record.original = message
            s.broadcast_message_create(message)
            if deferred:
                return None
            return {"type": cb_type, "message": message.payload()}
        if cb_type in (DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE):
            source = record.source_message
            assert source is not None
            if source.deleted:
                raise err.unknown_message()
            record.original = source
            if cb_type == DEFERRED_UPDATE_MESSAGE:
                return None
            s.messages.edit(source, data, files, error_prefix=["data"])
            s.broadcast_message_update(source)
            return {"type": cb_type, "message": source.payload()}
        if cb_type == APPLICATION_COMMAND_AUTOCOMPLETE_RESULT:
            choices = data.get("choices") or []
            if len(choices) > 25:
                errors = FormErrors()
                err.max_length(errors, ["data", "choices"], 25)
                errors.raise_if_any()
            record.autocomplete_choices = list(choices)
            return None
        if cb_type == MODAL:
            errors = FormErrors()
            title = data.get("title")
            if not isinstance(title, str) or not 1 <= len(title) <= 45:
                err.bad_length(errors, ["data", "title"], 1, 45)
            custom_id = data.get("custom_id")
            if not isinstance(custom_id, str) or not 1 <= len(custom_id) <= 100:
                err.bad_length(errors, ["data", "custom_id"], 1, 100)
            components = data.get("components") or []
            if not 1 <= len(components) <= 5:
                err.bad_length(errors, ["data", "components"], 1, 5)
            errors.raise_if_any()
            record.modal = data
            return None
        raise DiscordAPIError(400, 50035, "Invalid Form Body")

    def _webhook_interaction(self, request: web.Request, kind: str) -> InteractionRecord:
        """The interaction behind ``/webhooks/{application_id}/{token}``, with Discord's
        token rules (15 minutes of life, nothing before the first callback)."""
        s = self.s
        try:
            webhook_id = int(request.match_info["webhook_id"])
        except ValueError:
            raise err.unknown_webhook() from None
        record = s.interaction_by_token(request.match_info["token"])
        if webhook_id != s.application_id or record is None:
            raise err.unknown_webhook() if record is not None else err.invalid_webhook_token()
        record.requests.append(request[RECORD])
        if s.clock() - record.dispatched_at > s.token_lifetime:
            error = err.invalid_webhook_token()
        elif not record.acknowledged:
            error = err.unknown_webhook()
        else:
            return record
        self._event(record, f"rejected:{kind}", error.status, error_code=error.code)
        raise error

    def _webhook_message(self, record: InteractionRecord, message_id: str) -> StoredMessage:
        if message_id == "@original":
            message = record.original
        else:
            try:
                wanted = int(message_id)
            except ValueError:
                raise err.unknown_message() from None
            message = next((m for m in record.messages if m.id == wanted), None)
        if message is None or message.deleted:
            raise err.unknown_message()
        return message

    async def webhook_execute(self, request: web.Request) -> web.Response:
        s = self.s
        record = self._webhook_interaction(request, "followup")
        body = self._body(request)
        files = request.get(FILES) or []
        original = record.original
        try:
            if (
                original is not None
                and original.loading
                and not original.deleted
                and record.callback_type == DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
            ):
                # The first follow-up after a "thinking" defer *becomes* the original
                # response and keeps the defer's ephemerality (Discord's documented
                # backwards-compatible behaviour).
                message = s.messages.edit(original, body, files)
                s.broadcast_message_update(message)
                kind = "followup_resolved_original"
            else:
                message = s.messages.create(
                    record.channel,
                    s.bot_user,
                    body,
                    files,
                    author_member=self._bot_member(record.channel),
                    allow_ephemeral=True,
                    webhook_id=s.application_id,
                    application_id=s.application_id,
                    interaction_id=record.id,
                    interaction_metadata=self._interaction_metadata(record, followup_of=original),
                )
                record.followups.append(message)
                s.broadcast_message_create(message)
                kind = "followup"
        except DiscordAPIError as exc:
            self._event(record, "rejected:followup", exc.status, error_code=exc.code)
            raise
        self._event(record, kind, 200, message)
        if not truthy(request.query.get("wait")):
            return self._no_content()
        return self._json(request, message.payload())

    async def webhook_get_message(self, request: web.Request) -> web.Response:
        kind = "get_original" if request.match_info["message_id"] == "@original" else "get_message"
        record = self._webhook_interaction(request, kind)
        message = self._webhook_message(record, request.match_info["message_id"])
        return self._json(request, message.payload())

    async def webhook_edit_message(self, request: web.Request) -> web.Response:
        s = self.s
        message_id = request.match_info["message_id"]
        kind = "edit_original" if message_id == "@original" else "edit_message"
        record = self._webhook_interaction(request, kind)
        try:
            message = self._webhook_message(record, message_id)
            s.messages.edit(message, self._body(request), request.get(FILES) or [])
        except DiscordAPIError as exc:
            self._event(record, f"rejected:{kind}", exc.status, error_code=exc.code)
            raise
        s.broadcast_message_update(message)
        self._event(record, kind, 200, message)
        return self._json(request, message.payload())

    async def webhook_delete_message(self, request: web.Request) -> web.Response:
        s = self.s
        message_id = request.match_info["message_id"]
        kind = "delete_original" if message_id == "@original" else "delete_message"
        record = self._webhook_interaction(request, kind)
        try:
            message = self._webhook_message(record, message_id)
        except DiscordAPIError as exc:
            self._event(record, f"rejected:{kind}", exc.status, error_code=exc.code)
            raise
        s.messages.delete(message)
        s.broadcast_message_delete(message)
        self._event(record, kind, 204, message)
        return self._no_content()
