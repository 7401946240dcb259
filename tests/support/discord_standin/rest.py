"""The REST API discord.py uses, with Discord's status codes and error bodies.

Handlers are thin: message rules live in ``messages``/``validation``, interaction
state in ``InteractionRecord``. The middleware records every request first, so even
rejected or unknown calls show up in ``standin.requests``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from . import errors as err
from .errors import DiscordAPIError
from .models import Guild
from .recording import RecordedRequest, parse_body
from .rest_base import BODY, FILES, RECORD, RESPONSE_DATA, RestBase, json_response, truthy
from .rest_channels import ChannelRoutes
from .rest_commands import CommandRoutes
from .rest_interactions import InteractionRoutes

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Routes that authenticate by the token in the URL, not the bot token.
_NO_BOT_AUTH_PREFIXES = ("/interactions/", "/webhooks/")


class RestAPI(CommandRoutes, InteractionRoutes, ChannelRoutes, RestBase):
    """All routes; ``middleware`` records each request before its handler runs."""

    def add_routes(self, router: web.UrlDispatcher, prefix: str) -> None:
        self._api_prefix = prefix
        table: list[tuple[str, str, Handler]] = [
            ("GET", "/users/@me", self.get_me),
            ("POST", "/users/@me/channels", self.create_dm),
            ("GET", "/users/{user_id}", self.get_user),
            ("GET", "/oauth2/applications/@me", self.get_application),
            ("GET", "/applications/@me", self.get_application),
            ("GET", "/gateway", self.get_gateway),
            ("GET", "/gateway/bot", self.get_gateway_bot),
            ("GET", "/applications/{application_id}/commands", self.list_commands),
            ("PUT", "/applications/{application_id}/commands", self.bulk_commands),
            ("POST", "/applications/{application_id}/commands", self.create_command),
            ("GET", "/applications/{application_id}/commands/{command_id}", self.get_command),
            ("PATCH", "/applications/{application_id}/commands/{command_id}", self.edit_command),
            ("DELETE", "/applications/{application_id}/commands/{command_id}", self.delete_command),
            (
                "GET",
                "/applications/{application_id}/guilds/{guild_id}/commands",
                self.list_commands,
            ),
            (
                "PUT",
                "/applications/{application_id}/guilds/{guild_id}/commands",
                self.bulk_commands,
            ),
            (
                "POST",
                "/applications/{application_id}/guilds/{guild_id}/commands",
                self.create_command,
            ),
            (
                "GET",
                "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}",
                self.get_command,
            ),
            (
                "PATCH",
                "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}",
                self.edit_command,
            ),
            (
                "DELETE",
                "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}",
                self.delete_command,
            ),
            ("POST", "/interactions/{interaction_id}/{token}/callback", self.interaction_callback),
            ("POST", "/webhooks/{webhook_id}/{token}", self.webhook_execute),
            (
                "GET",
                "/webhooks/{webhook_id}/{token}/messages/{message_id}",
                self.webhook_get_message,
            ),
            (
                "PATCH",
                "/webhooks/{webhook_id}/{token}/messages/{message_id}",
                self.webhook_edit_message,
            ),
            (
                "DELETE",
                "/webhooks/{webhook_id}/{token}/messages/{message_id}",
                self.webhook_delete_message,
            ),
            ("GET", "/channels/{channel_id}", self.get_channel),
            ("GET", "/channels/{channel_id}/messages", self.list_messages),
            ("POST", "/channels/{channel_id}/messages", self.create_message),
            ("GET", "/channels/{channel_id}/messages/{message_id}", self.get_message),
            ("PATCH", "/channels/{channel_id}/messages/{message_id}", self.edit_message),
            ("DELETE", "/channels/{channel_id}/messages/{message_id}", self.delete_message),
            ("POST", "/channels/{channel_id}/typing", self.typing),
            ("GET", "/guilds/{guild_id}", self.get_guild),
            ("GET", "/guilds/{guild_id}/channels", self.get_guild_channels),
            ("GET", "/guilds/{guild_id}/roles", self.get_guild_roles),
            ("GET", "/guilds/{guild_id}/members/{user_id}", self.get_member),
        ]
        for method, path, handler in table:
            router.add_route(method, prefix + path, handler)

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path == "/gateway":
            return await handler(request)
        record = RecordedRequest(
            method=request.method,
            path=request.path,
            route=None,
            query=dict(request.query),
            json=None,
            files=[],
            headers=dict(request.headers),
            at=self.s.clock(),
            match_info=dict(request.match_info),
        )
        self.s.requests.append(record)
        request[RECORD] = record
        api_path = (
            request.path[len(self._api_prefix) :]
            if request.path.startswith(self._api_prefix)
            else None
        )
        resource = request.match_info.route.resource
        canonical = resource.canonical if resource is not None else None
        if canonical and canonical.startswith(self._api_prefix):
            record.route = canonical[len(self._api_prefix) :]
        try:
            try:
                record.json, record.files = await parse_body(request)
            except (ValueError, UnicodeDecodeError) as exc:
                raise DiscordAPIError(
                    400, 50109, "The request body contains invalid JSON."
                ) from exc
            request[BODY], request[FILES] = record.json, record.files
            http_exc = request.match_info.http_exception
            if http_exc is not None:
                record.unknown_route = True
                log.warning("stand-in has no route for %s %s", request.method, request.path)
                status = http_exc.status
                raise DiscordAPIError(status, 0, f"{status}: {http_exc.reason}")
            if api_path is not None:
                injected = self.s._take_failure(
                    request.method, api_path, has_files=bool(record.files)
                )
                if injected is not None and injected.error is None:
                    record.status = 0  # no answer at all
                    if request.transport is not None:
                        request.transport.abort()
                    self.s._notify_request()
                    raise ConnectionResetError("stand-in dropped the connection (injected)")
                if injected is not None and injected.error is not None:
                    raise injected.error
                if not api_path.startswith(_NO_BOT_AUTH_PREFIXES) and api_path != "/gateway":
                    self._check_auth(request)
            response = await handler(request)
            record.response = request.get(RESPONSE_DATA)
        except DiscordAPIError as exc:
            record.response = exc.body()
            response = json_response(exc.body(), status=exc.status, headers=exc.headers)
        except ConnectionResetError:
            raise  # an injected dropped connection: nothing is answered
        except Exception as exc:
            # A bug in the stand-in, not a Discord answer: keep it visible to tests.
            log.exception("stand-in failed handling %s %s", request.method, request.path)
            self.s.internal_errors.append(exc)
            # 503, not 500: discord.py retries 500s for ~25 s before giving up.
            body = {"message": "503: Service Unavailable (stand-in bug)", "code": 0}
            record.response = body
            response = json_response(body, status=503)
        record.status = response.status
        self.s._notify_request()
        return response

    # ------------------------------------------------------------------ identity

    async def get_me(self, request: web.Request) -> web.Response:
        s = self.s
        return self._json(
            request,
            {
                **s.bot_user.payload(),
                "verified": True,
                "mfa_enabled": False,
                "email": None,
                "locale": "en-US",
                "premium_type": 0,
            },
        )

    async def get_user(self, request: web.Request) -> web.Response:
        user = self.s.users.get(self._int(request, "user_id", err.unknown_user))
        if user is None:
            raise err.unknown_user()
        return self._json(request, user.payload())

    async def create_dm(self, request: web.Request) -> web.Response:
        body = self._body(request)
        try:
            user = self.s.users[int(body.get("recipient_id") or 0)]
        except (KeyError, ValueError):
            raise err.unknown_user() from None
        return self._json(request, self.s.dm_channel(user).payload())

    async def get_application(self, request: web.Request) -> web.Response:
        s = self.s
        return self._json(
            request,
            {
                "id": str(s.application_id),
                "name": s.application_name,
                "icon": None,
                "description": "",
                "summary": "",
                "type": None,
                "hook": True,
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "owner": s.application_owner.payload(),
                "team": None,
                "flags": s.application_flags,
                "bot": s.bot_user.payload(),
                "tags": [],
                "redirect_uris": [],
                "interactions_endpoint_url": None,
                "role_connections_verification_url": None,
                "flags_new": str(s.application_flags),
                "approximate_guild_count": len(s.guilds),
                "approximate_user_install_count": 0,
                "approximate_user_authorization_count": 0,
                "explicit_content_filter": 0,
                "eligible_oauth2_scopes": ["applications.commands", "bot"],
                "integration_types_config": {"0": {}},
            },
        )

    async def get_gateway(self, request: web.Request) -> web.Response:
        return self._json(request, {"url": self.s.gateway_url})

    async def get_gateway_bot(self, request: web.Request) -> web.Response:
        return self._json(
            request,
            {
                "url": self.s.gateway_url,
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 1000,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            },
        )

    # ------------------------------------------------------------------ guilds

    def _guild(self, request: web.Request) -> Guild:
        guild = self.s.guilds.get(self._int(request, "guild_id", err.unknown_guild))
        if guild is None:
            raise err.unknown_guild()
        return guild

    async def get_guild(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        data = guild.payload(members=[], joined_at="")
        for key in (
            "joined_at",
            "large",
            "unavailable",
            "member_count",
            "members",
            "channels",
            "threads",
            "presences",
            "voice_states",
            "stage_instances",
            "guild_scheduled_events",
            "soundboard_sounds",
        ):
            data.pop(key, None)
        if truthy(request.query.get("with_counts")):
            data["approximate_member_count"] = len(guild.members)
            data["approximate_presence_count"] = 0
        return self._json(request, data)

    async def get_guild_channels(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        return self._json(request, [c.payload() for c in guild.channels.values()])

    async def get_guild_roles(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        return self._json(request, [r.payload() for r in guild.roles.values()])

    async def get_member(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        member = guild.members.get(self._int(request, "user_id", err.unknown_member))
        if member is None:
            raise err.unknown_member()
        return self._json(request, member.payload())

    # ------------------------------------------------------------------ CDN

    async def get_attachment(self, request: web.Request) -> web.Response:
        try:
            attachment = self.s.messages.attachments.get(int(request.match_info["attachment_id"]))
        except ValueError:
            attachment = None
        if attachment is None or attachment.filename != request.match_info["filename"]:
            raise DiscordAPIError(404, 0, "404: Not Found")
        return web.Response(
            body=attachment.data,
            content_type=attachment.content_type or "application/octet-stream",
        )
