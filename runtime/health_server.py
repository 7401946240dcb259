"""`/healthz` and `/metrics` on ``METRICS_ADDR``, served by aiohttp.web on the bot's loop.

/healthz answers 200 "ok" when every check passes, else 503 with the first failing check's
one-line reason (for Docker's HEALTHCHECK and uptime monitors). A check that hangs counts
as failing: a health probe must answer quickly whatever the bot is stuck on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from aiohttp import web

from runtime.metrics import CONTENT_TYPE, BotMetrics

__all__ = ["HealthCheck", "HealthServer"]

log = logging.getLogger(__name__)

# A check returns None when healthy, or why not, in a few words.
HealthCheck = Callable[[], Awaitable[str | None]]
CHECK_TIMEOUT = 2.0


class HealthServer:
    def __init__(
        self,
        host: str,
        port: int,
        *,
        checks: Sequence[tuple[str, HealthCheck]],
        metrics: BotMetrics,
    ) -> None:
        self._host, self._port = host, port
        self._checks = list(checks)
        self._metrics = metrics
        self._runner: web.AppRunner | None = None
        self.port: int | None = None  # the bound port (useful with port 0)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics_page)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self._host, self._port)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        addresses = runner.addresses
        self.port = int(addresses[0][1]) if addresses else self._port
        log.info("health and metrics on http://%s:%s (/healthz, /metrics)", self._host, self.port)

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def unhealthy_reason(self) -> str | None:
        for name, check in self._checks:
            try:
                async with asyncio.timeout(CHECK_TIMEOUT):
                    reason = await check()
            except TimeoutError:
                reason = f"no answer within {CHECK_TIMEOUT:.0f} s"
            except Exception as exc:  # a broken check is an unhealthy bot, not a crash
                reason = type(exc).__name__
            if reason is not None:
                return f"{name}: {reason}"
        return None

    async def _healthz(self, _request: web.Request) -> web.Response:
        reason = await self.unhealthy_reason()
        if reason is None:
            return web.Response(text="ok\n")
        return web.Response(status=503, text=f"{reason}\n")

    async def _metrics_page(self, _request: web.Request) -> web.Response:
        response = web.Response(body=self._metrics.render())
        response.headers["Content-Type"] = CONTENT_TYPE
        return response
