"""A stand-in for the image API that speaks the contract, on 127.0.0.1.

It validates every request body against the contract's JSON schema, serves real PNG
bytes as ``url`` or ``b64_json`` answers, and can be told to fail in each way the real
service (or the relay in front of it) fails. Used by tests and benchmarks only.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import logging
import random
import socket
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
from aiohttp import web
from PIL import Image

__all__ = ["APIStandIn", "Reply", "make_png"]

log = logging.getLogger(__name__)

SCHEMA = json.loads(
    (Path(__file__).parent / "contract" / "images-generations.schema.json").read_text()
)
KNOWN_PARAMETERS = {"negative_prompt", "prompt_extend", "watermark", "size", "seed"}


def make_png(width: int = 64, height: int = 64, *, noise: bool = False, seed: int = 1) -> bytes:
    """A real PNG. ``noise`` makes it incompressible, for size-limit tests."""
    if noise:
        rng = random.Random(seed)
        image = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
    else:
        image = Image.new("RGB", (width, height), (seed * 37 % 256, 120, 200))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@dataclass
class Reply:
    """One scripted answer. ``kind``: url, b64, error, hang, html, not_json, empty, expired_url,
    no_image; disconnect (the request is read, then the connection dropped without an answer),
    cut (a 200 whose body stops half-way, then the connection is dropped). ``headers`` go
    with every kind of answer (e.g. ``x-request-id``)."""

    kind: str = "url"
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    revised_prompt: str | None = "A revised prompt."
    seconds: float = 0.0
    image: bytes | None = None

    @classmethod
    def dashscope_error(
        cls, status: int, code: str, message: str, *, request_id: str = "req-0123-abcd", **kw: Any
    ) -> Reply:
        body = {"code": code, "message": message, "request_id": request_id}
        return cls(kind="error", status=status, body=body, **kw)

    @classmethod
    def relay_error(
        cls, status: int, message: str, type_: str = "new_api_error", **kw: Any
    ) -> Reply:
        body = {"error": {"message": message, "type": type_, "code": None}}
        return cls(kind="error", status=status, body=body, **kw)


@dataclass
class Recorded:
    body: Any
    headers: dict[str, str]
    started: float
    finished: float | None = None
    status: int | None = None


class APIStandIn:
    def __init__(
        self,
        *,
        api_key: str = "sk-test-key-0123456789",
        latency: float = 0.0,
        concurrency_cap: int | None = None,
        image: bytes | None = None,
        sock: socket.socket | None = None,
    ) -> None:
        """``sock``: serve on this bound socket instead of a fresh port. Until the stand-in is
        entered nothing listens on it, so connections to its port are refused."""
        self.api_key = api_key
        self.latency = latency
        self.concurrency_cap = concurrency_cap
        self.image = image if image is not None else make_png()
        self.script: deque[Reply] = deque()
        self.requests: list[Recorded] = []
        self.downloads: list[str] = []
        self.served_images: list[bytes] = []
        self.invalid_bodies: list[str] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.rejected_over_cap = 0
        self._files: dict[str, bytes] = {}
        self._expired: set[str] = set()
        self._runner: web.AppRunner | None = None
        self._sock = sock
        self.base_url = ""

    async def __aenter__(self) -> APIStandIn:
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_post("/v1/images/generations", self._generate)
        app.router.add_get("/files/{name}", self._file)
        # Short shutdown: a deliberately hanging handler must not hold up teardown.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.2)
        await self._runner.setup()
        site: web.BaseSite
        if self._sock is not None:
            site = web.SockSite(self._runner, self._sock)
        else:
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}/v1"
        self.origin = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()

    def queue(self, *replies: Reply) -> None:
        self.script.extend(replies)

    @property
    def generation_calls(self) -> int:
        return len(self.requests)

    async def _generate(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        record = Recorded(body, dict(request.headers), time.monotonic())
        self.requests.append(record)
        response = await self._answer(request, body)
        record.finished, record.status = time.monotonic(), response.status
        return response

    async def _answer(self, request: web.Request, body: Any) -> web.StreamResponse:
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return _json(
                401,
                {
                    "code": "InvalidApiKey",
                    "message": "Invalid API-key provided.",
                    "request_id": "req-auth",
                },
            )
        problem = _contract_problem(body)
        if problem:
            self.invalid_bodies.append(problem)
            return _json(
                400, {"code": "InvalidParameter", "message": problem, "request_id": "req-bad"}
            )
        if self.concurrency_cap is not None and self.in_flight >= self.concurrency_cap:
            self.rejected_over_cap += 1
            return _json(
                429,
                {
                    "code": "Throttling.RateQuota",
                    "message": "Requests rate limit exceeded, please try again later.",
                    "request_id": "req-cap",
                },
            )
        reply = self.script.popleft() if self.script else Reply()
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.latency + reply.seconds)
            if reply.kind == "hang":
                await asyncio.sleep(3600)
            if reply.kind in ("disconnect", "cut"):
                return await self._drop(request, reply)
            return self._reply(reply)
        finally:
            self.in_flight -= 1

    async def _drop(self, request: web.Request, reply: Reply) -> web.StreamResponse:
        """Break the connection after the request arrived: before any answer, or half-way
        through a 200 whose image the provider has made (and billed)."""
        response = web.StreamResponse(status=200, headers=reply.headers)
        if reply.kind == "cut":
            response.content_length = 1000
            response.content_type = "application/json"
            await response.prepare(request)
            await response.write(b'{"created": 1, "data": [{"url": "')
        assert request.transport is not None
        request.transport.abort()
        return response

    def _reply(self, reply: Reply) -> web.StreamResponse:
        image = reply.image if reply.image is not None else self.image
        item: dict[str, Any] = {}
        if reply.revised_prompt is not None:
            item["revised_prompt"] = reply.revised_prompt
        match reply.kind:
            case "error":
                return _json(reply.status, reply.body, reply.headers)
            case "html":
                return web.Response(
                    status=reply.status,
                    text="<html><body><h1>502 Bad Gateway</h1></body></html>",
                    content_type="text/html",
                    headers=reply.headers,
                )
            case "not_json":
                return web.Response(
                    status=200,
                    text="<html>OK</html>",
                    content_type="text/html",
                    headers=reply.headers,
                )
            case "empty":
                return _json(200, {"created": int(time.time()), "data": []}, reply.headers)
            case "no_image":
                return _json(200, {"created": int(time.time()), "data": [item]}, reply.headers)
            case "b64":
                item["b64_json"] = base64.b64encode(image).decode()
            case "url" | "expired_url":
                name = f"{len(self._files)}-{random.getrandbits(32):08x}.png"
                self._files[name] = image
                if reply.kind == "expired_url":
                    self._expired.add(name)
                item["url"] = f"{self.origin}/files/{name}?Expires=1700000000&Signature=abc"
            case _:
                raise ValueError(reply.kind)
        self.served_images.append(image)
        answer = {"created": int(time.time()), "data": [item]}
        jsonschema.validate(answer, SCHEMA["response_200"])
        return _json(200, answer, reply.headers)

    async def _file(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        self.downloads.append(name)
        if "Authorization" in request.headers:
            # The key must never travel to the storage host.
            return web.Response(status=400, text="unexpected Authorization header")
        if name in self._expired or name not in self._files:
            return web.Response(
                status=403,
                content_type="application/xml",
                text="<Error><Code>AccessDenied</Code><Message>Request has expired.</Message></Error>",
            )
        return web.Response(body=self._files[name], content_type="image/png")


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response(body, status=status, headers=headers)


def _contract_problem(body: Any) -> str | None:
    """Why ``body`` breaks the contract, or None. Stricter than the schema where the
    provider is: one user message with one text part, and only known parameters."""
    try:
        jsonschema.validate(body, SCHEMA["request"])
    except jsonschema.ValidationError as exc:
        return f"schema: {exc.message}"
    messages = body["input"]["messages"]
    if len(messages) != 1 or messages[0].get("role") != "user":
        return "input.messages must hold one user message"
    content = messages[0].get("content") or []
    if len(content) != 1 or not str(content[0].get("text", "")).strip():
        return "content must hold one non-empty text"
    parameters = body.get("parameters", {})
    if unknown := set(parameters) - KNOWN_PARAMETERS:
        return f"unknown parameters: {sorted(unknown)}"
    size = parameters.get("size")
    if size is not None and ("*" not in size or not all(p.isdigit() for p in size.split("*"))):
        return f"size must look like 1328*1328, got {size!r}"
    seed = parameters.get("seed")
    if seed is not None and (not isinstance(seed, int) or not 0 <= seed <= 2_147_483_647):
        return "seed out of range"
    return None
