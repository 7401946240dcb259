"""Shared plumbing for the REST handlers: request storage keys, Discord-exact JSON
responses, and small parsing helpers."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from . import errors as err
from .errors import DiscordAPIError
from .models import Channel
from .recording import RecordedRequest

if TYPE_CHECKING:
    from .server import DiscordStandIn

# Per-request storage, filled by the middleware for the handlers.
RECORD = web.RequestKey("standin_record", RecordedRequest)
BODY = web.RequestKey("standin_body", object)
FILES = web.RequestKey("standin_files", list)
RESPONSE_DATA = web.RequestKey("standin_response_data", object)


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """JSON with a bare ``Content-Type: application/json``.

    discord.py's ``json_or_text`` compares the header for *equality*, so aiohttp's
    default ``application/json; charset=utf-8`` would make it hand back a str.
    """
    return web.Response(
        body=json.dumps(data).encode("utf-8"),
        status=status,
        headers={**(headers or {}), "Content-Type": "application/json"},
    )


def truthy(value: str | None) -> bool:
    return value is not None and value.lower() in ("1", "true", "yes")


class RestBase:
    def __init__(self, standin: DiscordStandIn) -> None:
        self.s = standin
        self._api_prefix = ""

    def _check_auth(self, request: web.Request) -> None:
        if request.headers.get("Authorization") != f"Bot {self.s.token}":
            raise err.unauthorized()

    def _json(self, request: web.Request, data: Any, status: int = 200) -> web.Response:
        request[RESPONSE_DATA] = data
        return json_response(data, status=status)

    @staticmethod
    def _no_content() -> web.Response:
        return web.Response(status=204)

    @staticmethod
    def _int(request: web.Request, key: str, error: Callable[[], DiscordAPIError]) -> int:
        try:
            return int(request.match_info[key])
        except (KeyError, ValueError):
            raise error() from None

    def _body(self, request: web.Request) -> dict[str, Any]:
        body = request.get(BODY)
        if body is None:
            return {}
        if not isinstance(body, dict):
            raise DiscordAPIError(400, 50035, "Invalid Form Body")
        return body

    def _bot_member(self, channel: Channel) -> Any:
        return self.s.bot_member(channel.guild) if channel.guild is not None else None
