"""The client's retry rules, its time budget and the attempts it records, against the real
aiohttp stand-in on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import pytest

from imagecore.api.attempts import Attempt
from imagecore.api.client import ImageClient
from imagecore.api.errors import (
    ConnectionLost,
    ContentRejected,
    ImageDownloadFailed,
    MalformedAnswer,
    RequestTimedOut,
    ServerError,
    ServiceUnreachable,
    Throttled,
)
from imagecore.api.request import ImageRequest
from tests.support.api_standin import APIStandIn, Reply
from tests.support.clock import FakeClock
from tests.support.tcp_proxy import TCPProxy

REQUEST = ImageRequest(
    prompt="a lighthouse at dusk",
    model="qwen-image",
    size="1328*1328",
    prompt_extend=True,
    watermark=False,
)


def client_for(
    url: str, session: aiohttp.ClientSession, *, timeout: float = 5.0, **kw: object
) -> ImageClient:
    return ImageClient(
        session,
        url=f"{url}/images/generations",
        api_key="sk-test-key-0123456789",
        timeout=timeout,
        backoff_base=0.01,
        **kw,  # type: ignore[arg-type]
    )


def outcomes(attempts: tuple[Attempt, ...]) -> list[tuple[int, str, int | None, str | None]]:
    return [(a.number, a.outcome, a.status, a.request_id) for a in attempts]


def skipping_sleep(clock: FakeClock) -> Callable[[float], Awaitable[None]]:
    """A sleep that passes at once, moving ``clock`` on instead: with a real-time clock the
    budget arithmetic is exercised for real while the test stays fast."""

    async def sleep(seconds: float) -> None:
        clock.advance(seconds)
        await asyncio.sleep(0)

    return sleep


class ClosedGate:
    """A gate whose slot never comes free (the provider's cap is taken by others)."""

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        await asyncio.Event().wait()
        yield

    def throttled(self, retry_after: float | None) -> None:
        pass

    def succeeded(self) -> None:
        pass


class OpensOnSecondAttempt(ClosedGate):
    """Starts the stand-in, whose port refused the first attempt, before the second."""

    def __init__(self, api: APIStandIn) -> None:
        self.api = api
        self.entered = 0

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        self.entered += 1
        if self.entered == 2:
            await self.api.__aenter__()
        yield


async def test_a_provider_that_never_answers_gets_exactly_one_request(api, session, caplog):
    caplog.set_level(logging.INFO)
    api.queue(Reply(kind="hang"))  # a second request would be answered with an image
    started = time.monotonic()
    with pytest.raises(RequestTimedOut) as caught:
        await client_for(api.base_url, session, timeout=1.0).generate(REQUEST)
    assert time.monotonic() - started < 1.0 + 1.0
    assert api.generation_calls == 1
    assert outcomes(caught.value.attempts) == [(1, "timeout", None, None)]
    assert caught.value.attempts[0].seconds >= 0.9
    said = [r for r in caplog.records if "not sent again" in r.getMessage()]
    assert len(said) == 1 and said[0].levelno == logging.WARNING
    assert api.api_key not in caplog.text


async def test_a_silent_host_after_connecting_is_not_retried(api, session):
    # The proxy accepts the connection and the request, and never answers.
    async with TCPProxy("127.0.0.1", 1) as proxy:
        proxy.cut("blackhole")
        with pytest.raises(RequestTimedOut) as caught:
            await client_for(f"http://127.0.0.1:{proxy.port}/v1", session, timeout=0.5).generate(
                REQUEST
            )
    assert outcomes(caught.value.attempts) == [(1, "timeout", None, None)]


async def test_connection_refused_then_success_is_retried(session):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))  # bound but not listening: connections are refused
        port = sock.getsockname()[1]
        api = APIStandIn(sock=sock)
        gate = OpensOnSecondAttempt(api)
        try:
            image = await client_for(f"http://127.0.0.1:{port}/v1", session, gate=gate).generate(
                REQUEST
            )
        finally:
            await api.__aexit__(None, None, None)
    assert image.data == api.image
    assert api.generation_calls == 1
    assert outcomes(image.attempts) == [(1, "unreachable", None, None), (2, "ok", 200, None)]


async def test_429_and_500_are_retried_and_each_attempt_keeps_its_request_id(api, session):
    api.queue(
        Reply.dashscope_error(429, "Throttling.RateQuota", "slow down", request_id="req-429"),
        Reply.relay_error(500, "upstream error", headers={"x-request-id": "req-500"}),
        Reply(headers={"x-request-id": "req-ok"}),
    )
    image = await client_for(api.base_url, session).generate(REQUEST)
    assert api.generation_calls == 3
    assert image.request_id == "req-ok"
    assert image.attempt_count == 3
    assert outcomes(image.attempts) == [
        (1, "throttled", 429, "req-429"),
        (2, "server_error", 500, "req-500"),
        (3, "ok", 200, "req-ok"),
    ]
    assert all(isinstance(a.seconds, float) and a.seconds >= 0 for a in image.attempts)
    assert image.attempts[0].as_dict() == {
        "number": 1,
        "outcome": "throttled",
        "status": 429,
        "request_id": "req-429",
        "seconds": image.attempts[0].seconds,
    }


@pytest.mark.parametrize(("kind", "status"), [("disconnect", None), ("cut", 200)])
async def test_a_connection_lost_after_the_request_arrived_is_not_retried(
    api, session, kind, status
):
    api.queue(Reply(kind=kind, headers={"x-request-id": "req-lost"}))
    with pytest.raises(ConnectionLost) as caught:
        await client_for(api.base_url, session).generate(REQUEST)
    assert api.generation_calls == 1
    assert [(a.outcome, a.status) for a in caught.value.attempts] == [("disconnected", status)]
    # A ConnectionLost is a ServiceUnreachable for the members' sentences, but not retried.
    assert isinstance(caught.value, ServiceUnreachable) and not caught.value.retryable


async def test_the_budget_holds_while_429s_keep_coming(api, session):
    clock = FakeClock.real_time()
    throttled = Reply.dashscope_error(
        429, "Throttling", "Requests throttling triggered.", headers={"Retry-After": "4"}
    )
    api.queue(*[throttled] * 20)
    client = client_for(
        api.base_url,
        session,
        timeout=1.0,
        max_attempts=100,
        clock=clock,
        sleep=skipping_sleep(clock),
    )
    assert client.budget == 16.0  # timeout + 15 s
    started = clock()
    with pytest.raises(Throttled) as caught:
        await client.generate(REQUEST)
    assert clock() - started <= 16.0
    # Retries at 4, 8 and 12 s; one at 16 s would not have had time to finish.
    assert api.generation_calls == 4
    assert [a.outcome for a in caught.value.attempts] == ["throttled"] * 4


async def test_a_short_budget_holds_in_real_time(api, session):
    api.queue(*[Reply.dashscope_error(503, "ServiceUnavailable", "busy")] * 50)
    client = client_for(api.base_url, session, timeout=1.0, budget=1.5, max_attempts=50)
    client._backoff_base = 0.1
    started = time.monotonic()
    with pytest.raises(ServerError) as caught:
        await client.generate(REQUEST)
    assert time.monotonic() - started < 1.5 + 0.5
    assert 2 <= api.generation_calls == len(caught.value.attempts) < 50


async def test_waiting_for_the_gate_counts_against_the_budget(api, session):
    started = time.monotonic()
    with pytest.raises(RequestTimedOut) as caught:
        await client_for(api.base_url, session, budget=0.3, gate=ClosedGate()).generate(REQUEST)
    assert time.monotonic() - started < 0.3 + 1.0
    assert api.generation_calls == 0
    assert caught.value.attempts == ()


async def test_a_retry_pause_longer_than_the_budget_is_not_taken(api, session):
    api.queue(Reply.dashscope_error(429, "Throttling", "busy", headers={"Retry-After": "30"}))
    started = time.monotonic()
    with pytest.raises(Throttled) as caught:
        await client_for(api.base_url, session, timeout=1.0).generate(REQUEST)
    assert time.monotonic() - started < 2
    assert len(caught.value.attempts) == 1


async def test_refusals_and_unusable_answers_are_recorded_once(api, session):
    api.queue(Reply.dashscope_error(400, "DataInspectionFailed", "inappropriate content"))
    with pytest.raises(ContentRejected) as refused:
        await client_for(api.base_url, session).generate(REQUEST)
    api.queue(Reply(kind="not_json", headers={"x-request-id": "req-junk"}))
    with pytest.raises(MalformedAnswer) as junk:
        await client_for(api.base_url, session).generate(REQUEST)
    assert outcomes(refused.value.attempts) == [(1, "refused", 400, "req-0123-abcd")]
    assert outcomes(junk.value.attempts) == [(1, "malformed", 200, "req-junk")]


async def test_a_failed_download_is_its_own_kind_of_failure(api, session):
    assert not issubclass(ImageDownloadFailed, MalformedAnswer)
    api.queue(Reply(kind="expired_url", headers={"x-request-id": "req-made"}))
    with pytest.raises(ImageDownloadFailed) as caught:
        await client_for(api.base_url, session).generate(REQUEST)
    assert not isinstance(caught.value, MalformedAnswer)
    # The image was made (and paid for): the attempt says so.
    assert outcomes(caught.value.attempts) == [(1, "download_failed", 200, "req-made")]
    assert api.generation_calls == 1
