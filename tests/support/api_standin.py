"""A stand-in for the image API that speaks the contract, on 127.0.0.1.

It speaks the API style it is told (``relay``, the default, ``dashscope`` or ``openai``:
the shapes are in :mod:`tests.support.api_style_shapes`): validates every request body
as that style's provider would, serves real PNG bytes in that style's answer (one or
several images, by ``url`` or ``b64_json``), and can be told to fail in each way the real
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

from tests.support.api_style_shapes import PATHS, STYLES, answer_body, body_problem, error_body

__all__ = ["APIStandIn", "Reply", "make_png"]

log = logging.getLogger(__name__)

SCHEMA = json.loads(
    (Path(__file__).parent / "contract" / "images-generations.schema.json").read_text()
)


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
    """One scripted answer. ``kind``: image (``url``, or ``b64`` when an openai body asks for
    b64_json), url, b64, error, hang, html, not_json, empty, expired_url, no_image; disconnect (the request is read, then the connection dropped without an answer),
    cut (a 200 whose body stops half-way, then the connection is dropped). ``headers`` go
    with every kind of answer (e.g. ``x-request-id``)."""

    kind: str = "image"
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    revised_prompt: str | None = "A revised prompt."
    seconds: float = 0.0
    image: bytes | None = None
    count: int = 1  # images in the answer (each a different PNG when ``image`` is unset)

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

    @classmethod
    def openai_error(cls, status: int, code: str, message: str, **kw: Any) -> Reply:
        body = {"error": {"message": message, "type": code, "code": code}}
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
        style: str = "relay",
    ) -> None:
        """``sock``: serve on this bound socket instead of a fresh port. Until the stand-in is
        entered nothing listens on it, so connections to its port are refused."""
        if style not in STYLES:
            raise ValueError(style)
        # May be changed while serving: the next request is answered in the new style.
        self.style = style
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
        # Edits carry up to 3 input images of 10 MB each as base64.
        app = web.Application(client_max_size=48 * 1024 * 1024)
        for path in dict.fromkeys(PATHS.values()):
            app.router.add_post(path, self._generate)
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
        if request.path != PATHS[self.style]:
            self.invalid_bodies.append(f"{request.path} is not the {self.style} endpoint")
            return web.Response(status=404, text="404 page not found")
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return _json(*error_body(self.style, "auth"))
        problem = body_problem(self.style, body, SCHEMA)
        if problem:
            self.invalid_bodies.append(problem)
            return _json(*error_body(self.style, "bad", problem))
        if self.concurrency_cap is not None and self.in_flight >= self.concurrency_cap:
            self.rejected_over_cap += 1
            return _json(*error_body(self.style, "cap"))
        reply = self.script.popleft() if self.script else Reply()
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.latency + reply.seconds)
            if reply.kind == "hang":
                await asyncio.sleep(3600)
            if reply.kind in ("disconnect", "cut"):
                return await self._drop(request, reply)
            return self._reply(reply, body)
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

    def _reply(self, reply: Reply, body: Any) -> web.StreamResponse:
        kind = reply.kind
        if kind == "image":
            wants_b64 = self.style == "openai" and body.get("response_format") == "b64_json"
            kind = "b64" if wants_b64 else "url"
        match kind:
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
            case "empty" | "no_image":
                answer = answer_body(self.style, [], reply.revised_prompt, "req-none")
                if kind == "no_image" and self.style != "dashscope":
                    answer["data"] = [{"revised_prompt": reply.revised_prompt or ""}]
                return _json(200, answer, reply.headers)
            case "b64" | "url" | "expired_url":
                items = [self._item(kind, reply, i) for i in range(reply.count)]
            case _:
                raise ValueError(kind)
        answer = answer_body(self.style, items, reply.revised_prompt, "req-0123-ok")
        if self.style != "dashscope":
            jsonschema.validate(answer, SCHEMA["response_200"])
        return _json(200, answer, reply.headers)

    def _item(self, kind: str, reply: Reply, index: int) -> dict[str, str]:
        image = reply.image if reply.image is not None else self.image
        if index:  # several images: each its own, so a test can tell them apart
            image = make_png(16, 16, seed=index + 1) if reply.image is None else image
        self.served_images.append(image)
        if kind == "b64":
            return {"b64_json": base64.b64encode(image).decode()}
        name = f"{len(self._files)}-{random.getrandbits(32):08x}.png"
        self._files[name] = image
        if kind == "expired_url":
            self._expired.add(name)
        return {"url": f"{self.origin}/files/{name}?Expires=1700000000&Signature=abc"}

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
