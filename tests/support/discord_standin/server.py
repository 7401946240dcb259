"""``DiscordStandIn``: a local Discord that the real discord.py client talks to.

One aiohttp server on 127.0.0.1 serves the REST API under ``/api/v10``, the gateway
websocket under ``/gateway`` and attachment bytes under ``/attachments``. State (guilds,
registered commands, messages) lives on the object, so bots can restart against it.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ..clock import FakeClock
from .errors import DiscordAPIError
from .gateway import PRIVILEGED_INTENTS, GatewayHub
from .invoking import InteractionDriver
from .recording import RecordedRequest
from .rest import RestAPI

if TYPE_CHECKING:
    import pytest

log = logging.getLogger(__name__)

API_PREFIX = "/api/v10"


@dataclass(eq=False)
class InjectedFailure:
    """A canned error for the next matching request(s), to test the bot's error paths."""

    method: str | None
    path: re.Pattern[str]
    error: DiscordAPIError | None  # None: the connection is dropped without an answer
    times: int
    uploads_only: bool = False  # only requests that carry files


class DiscordStandIn(InteractionDriver):
    """A fake Discord for the real discord.py client.

    Usage::

        async with DiscordStandIn() as discord_api:
            discord_api.patch_discord_py(monkeypatch)
            guild = discord_api.add_guild(name="Test")
            channel = discord_api.add_text_channel(guild, name="general")
            user = discord_api.add_member(guild, name="alice")
            ...start the bot with discord_api.token...
            rec = await discord_api.invoke(guild, channel, user, "echo", text="hi")
            await rec.wait_done()

    World building lives in ``WorldBuilding`` (world.py), gateway payloads in
    ``GatewayEvents`` (events.py), acting as a user in ``InteractionDriver``
    (invoking.py); this class adds the HTTP server and the request log.
    """

    def __init__(
        self,
        *,
        token: str = "standin-bot-token",
        bot_name: str = "StandInBot",
        bot_id: int | None = None,
        application_id: int | None = None,
        application_name: str | None = None,
        application_flags: int = 0,
        heartbeat_interval_ms: int = 41250,
        clock: FakeClock | None = None,
        ack_deadline: float = 3.0,
        token_lifetime: float = 15 * 60.0,
        privileged_intents_enabled: int = PRIVILEGED_INTENTS,
        host: str = "127.0.0.1",
    ) -> None:
        super().__init__(
            token=token,
            bot_name=bot_name,
            bot_id=bot_id,
            application_id=application_id,
            application_name=application_name,
            application_flags=application_flags,
            clock=clock,
            ack_deadline=ack_deadline,
            token_lifetime=token_lifetime,
            privileged_intents_enabled=privileged_intents_enabled,
            host=host,
        )
        self.gateway = GatewayHub(
            self, heartbeat_interval_ms=heartbeat_interval_ms, resume_url=lambda: self.gateway_url
        )
        self.requests: list[RecordedRequest] = []
        self._failures: list[InjectedFailure] = []
        # Exceptions inside the stand-in's own handlers (answered 503): a stand-in bug.
        self.internal_errors: list[BaseException] = []
        self._request_seen = asyncio.Event()
        self._rest = RestAPI(self)
        self._runner: web.AppRunner | None = None

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> DiscordStandIn:
        # Uploads can be 100 MiB (tier 3); the body must reach us to answer 413 properly.
        app = web.Application(
            client_max_size=256 * 1024 * 1024, middlewares=[self._rest.middleware]
        )
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get(
            "/attachments/{channel_id}/{attachment_id}/{filename}", self._rest.get_attachment
        )
        self._rest.add_routes(app.router, API_PREFIX)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        log.info("Discord stand-in listening on %s", self.base_url)
        return self

    async def close(self) -> None:
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> DiscordStandIn:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def patch_discord_py(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Point discord.py at the stand-in for this test.

        Both are needed: ``Route.BASE`` for REST (webhooks/interactions use the same
        Route class), and ``DiscordWebSocket.DEFAULT_GATEWAY`` because a plain
        ``Client`` never calls ``GET /gateway/bot``: it connects straight to the
        hard-coded ``wss://gateway.discord.gg/`` (only ``AutoShardedClient`` asks).
        """
        import discord.gateway
        import discord.http
        import yarl

        monkeypatch.setattr(discord.http.Route, "BASE", self.api_base)
        monkeypatch.setattr(
            discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(self.gateway_url)
        )

    # ------------------------------------------------------------------ recorded traffic

    @property
    def unknown_routes(self) -> list[RecordedRequest]:
        """Requests to endpoints the stand-in doesn't implement (answered 404/405)."""
        return [r for r in self.requests if r.unknown_route]

    @property
    def identifies(self) -> list[dict[str, Any]]:
        """Every IDENTIFY payload (``d``) received, in order."""
        return self.gateway.identifies

    def requests_to(
        self, method: str | None = None, route: str | None = None
    ) -> list[RecordedRequest]:
        """Filter recorded requests by method and route template (or a path regex)."""
        out = []
        for request in self.requests:
            if method is not None and request.method != method.upper():
                continue
            if route is not None and request.route != route and not re.search(route, request.path):
                continue
            out.append(request)
        return out

    async def wait_for_request(
        self,
        predicate: Callable[[RecordedRequest], bool],
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> RecordedRequest:
        async with asyncio.timeout(timeout):
            while True:
                seen = self._request_seen
                for request in self.requests:
                    if request.status is not None and predicate(request):
                        return request
                await seen.wait()

    def _notify_request(self) -> None:
        self._request_seen.set()
        self._request_seen = asyncio.Event()

    def inject_failure(
        self,
        path: str,
        *,
        method: str | None = None,
        status: int = 500,
        code: int = 0,
        message: str | None = None,
        times: int = 1,
        retry_after: float | None = None,
    ) -> None:
        """Answer the next ``times`` requests whose API path matches ``path`` (a regex,
        relative to ``/api/v10``) with an error. ``status=429`` adds what discord.py
        needs to treat it as a real rate limit (``Via`` header, ``retry_after``)."""
        headers: dict[str, str] = {}
        extra: dict[str, Any] = {}
        if status == 429:
            wait = 0.05 if retry_after is None else retry_after
            headers = {"Via": "1.1 google", "Retry-After": str(wait), "X-RateLimit-Scope": "user"}
            extra = {"retry_after": wait, "global": False}
            message = message or "You are being rate limited."
        error = DiscordAPIError(
            status, code, message or f"{status}: injected failure", headers=headers, extra=extra
        )
        self._failures.append(
            InjectedFailure(
                method=method and method.upper(), path=re.compile(path), error=error, times=times
            )
        )

    def inject_disconnect(
        self, path: str, *, method: str | None = None, times: int = 1, uploads_only: bool = False
    ) -> None:
        """Drop the connection of the next ``times`` matching requests without answering,
        as a network failure mid-request does (the client sees the server disconnect)."""
        self._failures.append(
            InjectedFailure(
                method=method and method.upper(),
                path=re.compile(path),
                error=None,
                times=times,
                uploads_only=uploads_only,
            )
        )

    def _take_failure(
        self, method: str, api_path: str, *, has_files: bool = False
    ) -> InjectedFailure | None:
        for failure in self._failures:
            if failure.method not in (None, method) or not failure.path.search(api_path):
                continue
            if failure.uploads_only and not has_files:
                continue
            failure.times -= 1
            if failure.times <= 0:
                self._failures.remove(failure)
            return failure
        return None
