"""Fetching the picture to edit from a real HTTP server on 127.0.0.1: capped, time-limited,
and every way it fails has its own reason."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from imagecore.editing.input_download import DownloadProblem, InputDownloadFailed, download_input

PICTURE = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 100


@pytest.fixture
async def server() -> AsyncIterator[str]:
    release = asyncio.Event()

    async def picture(_: web.Request) -> web.Response:
        return web.Response(body=PICTURE, content_type="image/png")

    async def gone(_: web.Request) -> web.Response:
        return web.Response(status=404, text="expired")

    async def huge_unannounced(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()  # chunked: no Content-Length to refuse early
        await response.prepare(request)
        for _ in range(50):
            await response.write(b"x" * 64 * 1024)
        await response.write_eof()
        return response

    async def hang(_: web.Request) -> web.Response:
        await release.wait()
        return web.Response(text="late")

    async def moved(_: web.Request) -> web.Response:
        raise web.HTTPFound("/picture")

    app = web.Application()
    for path, handler in [
        ("/picture", picture),
        ("/gone", gone),
        ("/huge", huge_unannounced),
        ("/hang", hang),
        ("/moved", moved),
    ]:
        app.router.add_get(path, handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        release.set()
        await runner.cleanup()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def test_the_exact_bytes_come_down_following_a_redirect(server, session) -> None:
    assert await download_input(session, f"{server}/picture") == PICTURE
    assert await download_input(session, f"{server}/moved") == PICTURE


@pytest.mark.parametrize(
    ("path", "kwargs", "problem"),
    [
        ("/gone", {}, DownloadProblem.DEAD_LINK),
        ("/picture", {"max_bytes": 1000}, DownloadProblem.TOO_LARGE),  # declared length
        ("/huge", {"max_bytes": 1_000_000}, DownloadProblem.TOO_LARGE),  # counted as it comes
        ("/hang", {"limit_seconds": 0.3}, DownloadProblem.TIMED_OUT),
    ],
)
async def test_each_failure_has_its_reason(server, session, path, kwargs, problem) -> None:
    with pytest.raises(InputDownloadFailed) as caught:
        await download_input(session, f"{server}{path}", **kwargs)
    assert caught.value.problem is problem


async def test_no_server_and_no_http_link(session) -> None:
    with pytest.raises(InputDownloadFailed) as caught:
        await download_input(session, "http://127.0.0.1:9/nothing-listens-here")
    assert caught.value.problem is DownloadProblem.UNREACHABLE
    with pytest.raises(InputDownloadFailed) as caught:
        await download_input(session, "file:///etc/passwd")
    assert caught.value.problem is DownloadProblem.DEAD_LINK
