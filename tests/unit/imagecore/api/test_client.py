from __future__ import annotations

import base64
import contextlib
import logging
import socket
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest

from imagecore.api.client import ImageClient
from imagecore.api.errors import (
    AuthFailed,
    BadRequest,
    BillingProblem,
    ContentRejected,
    ImageAPIError,
    ImageDownloadFailed,
    MalformedAnswer,
    ServerError,
    ServiceUnreachable,
    Throttled,
)
from imagecore.api.request import ImageRequest
from tests.support.api_standin import APIStandIn, Reply, make_png

REQUEST = ImageRequest(
    prompt="a red fox in snow",
    model="qwen-image",
    size="1328*1328",
    prompt_extend=True,
    watermark=False,
)


def client_for(
    api: APIStandIn, session: aiohttp.ClientSession, *, timeout: float = 5.0, **kw: object
) -> ImageClient:
    return ImageClient(
        session,
        url=f"{api.base_url}/images/generations",
        api_key=api.api_key,
        timeout=timeout,
        backoff_base=0.01,
        **kw,  # type: ignore[arg-type]
    )


async def test_url_answer_gives_the_exact_bytes_and_revised_prompt(api, session):
    api.image = make_png(300, 200, noise=True)
    image = await client_for(api, session).generate(REQUEST)
    assert image.data == api.image
    assert image.extension == "png"
    assert image.source == "url"
    assert image.revised_prompt == "A revised prompt."
    assert api.invalid_bodies == []
    assert api.requests[0].headers["Authorization"] == f"Bearer {api.api_key}"
    assert len(api.downloads) == 1


async def test_body_follows_the_contract_with_every_option(api, session):
    request = ImageRequest(
        prompt="cat",
        model="qwen-image-plus",
        size="928*1664",
        prompt_extend=False,
        watermark=True,
        negative_prompt="blurry",
        seed=42,
    )
    await client_for(api, session).generate(request)
    assert api.invalid_bodies == []
    assert api.requests[0].body == {
        "prompt": "cat",  # older relay builds refuse a body without it
        "model": "qwen-image-plus",
        "input": {"messages": [{"role": "user", "content": [{"text": "cat"}]}]},
        "parameters": {
            "negative_prompt": "blurry",
            "prompt_extend": False,
            "watermark": True,
            "size": "928*1664",
            "seed": 42,
        },
    }


async def test_unset_negative_prompt_and_seed_are_left_out_but_size_is_always_sent(api, session):
    await client_for(api, session).generate(REQUEST)
    assert api.requests[0].body["parameters"] == {
        "prompt_extend": True,
        "watermark": False,
        "size": "1328*1328",
    }


async def test_b64_answer(api, session):
    api.queue(Reply(kind="b64", image=make_png(10, 10, seed=3)))
    image = await client_for(api, session).generate(REQUEST)
    assert image.data == make_png(10, 10, seed=3)
    assert image.source == "b64_json"
    assert api.downloads == []


@pytest.mark.parametrize("revised", ["", None, "   "])
async def test_missing_or_empty_revised_prompt_shows_none(api, session, revised):
    api.queue(Reply(revised_prompt=revised))
    image = await client_for(api, session).generate(REQUEST)
    assert image.revised_prompt is None


@pytest.mark.parametrize(
    ("reply", "error_class"),
    [
        (
            Reply.dashscope_error(
                400, "DataInspectionFailed", "Input data may contain inappropriate content."
            ),
            ContentRejected,
        ),
        (
            Reply.dashscope_error(
                400,
                "IPInfringementSuspect",
                "Input data is suspected of being involved in IP infringement.",
            ),
            ContentRejected,
        ),
        (Reply.relay_error(400, "Output data may contain inappropriate content."), ContentRejected),
        (
            Reply.dashscope_error(
                400, "InvalidParameter", "The size is not match the allowed size."
            ),
            BadRequest,
        ),
        (Reply.dashscope_error(404, "ModelNotFound", "Model not exist."), BadRequest),
        (Reply.dashscope_error(401, "InvalidApiKey", "Invalid API-key provided."), AuthFailed),
        (Reply.relay_error(401, "无效的令牌"), AuthFailed),
        (
            Reply.dashscope_error(403, "AccessDenied.Unpurchased", "Access to model denied."),
            AuthFailed,
        ),
        (
            Reply.dashscope_error(
                400,
                "Arrearage",
                "Access denied, please make sure your account is in good standing.",
            ),
            BillingProblem,
        ),
        (
            Reply.dashscope_error(
                429, "Throttling.AllocationQuota", "Free allocated quota exceeded."
            ),
            BillingProblem,
        ),
        (Reply.dashscope_error(400, "BillOverdue", "Your bill is overdue."), BillingProblem),
        (
            Reply.relay_error(403, "user quota is not enough", "insufficient_user_quota"),
            BillingProblem,
        ),
        (Reply(kind="not_json"), MalformedAnswer),
        (Reply(kind="empty"), MalformedAnswer),
        (Reply(kind="no_image"), MalformedAnswer),
        (Reply(kind="expired_url"), ImageDownloadFailed),
        (Reply(kind="b64", image=b"GIF89a not a png"), MalformedAnswer),
    ],
)
async def test_errors_that_no_retry_can_fix_are_raised_after_one_call(
    api, session, reply, error_class
):
    api.queue(reply)
    with pytest.raises(error_class) as caught:
        await client_for(api, session).generate(REQUEST)
    assert type(caught.value) is error_class
    assert api.generation_calls == 1


async def test_dashscope_request_id_and_code_reach_the_log_line(api, session):
    api.queue(
        Reply.dashscope_error(
            400, "DataInspectionFailed", "Input data may contain inappropriate content."
        )
    )
    with pytest.raises(ContentRejected) as caught:
        await client_for(api, session).generate(REQUEST)
    line = caught.value.log_line()
    assert "req-0123-abcd" in line and "DataInspectionFailed" in line and "status=400" in line


async def test_throttled_then_success_honours_retry_after(api, session):
    api.queue(
        Reply.dashscope_error(
            429,
            "Throttling.RateQuota",
            "Requests rate limit exceeded, please try again later.",
            headers={"Retry-After": "0.4"},
        )
    )
    image = await client_for(api, session).generate(REQUEST)
    assert image.attempt_count == 2
    assert api.generation_calls == 2
    assert api.requests[1].started - api.requests[0].finished >= 0.35


@pytest.mark.parametrize(
    "reply",
    [
        Reply.dashscope_error(500, "InternalError", "An internal error has occured."),
        Reply.dashscope_error(503, "ServiceUnavailable", "busy"),
        Reply.dashscope_error(408, "RequestTimeOut", "timeout"),
        Reply(kind="html", status=502),
        Reply.relay_error(429, "当前分组上游负载已饱和，请稍后再试"),
    ],
)
async def test_transient_errors_are_retried(api, session, reply):
    api.queue(reply)
    image = await client_for(api, session).generate(REQUEST)
    assert image.attempt_count == 2
    assert [a.outcome for a in image.attempts][1:] == ["ok"]


async def test_at_most_three_attempts_then_the_last_error(api, session):
    api.queue(*[Reply.dashscope_error(500, "InternalError", "boom")] * 5)
    with pytest.raises(ServerError):
        await client_for(api, session).generate(REQUEST)
    assert api.generation_calls == 3


async def test_html_error_page_is_squashed_for_the_log(api, session):
    api.queue(*[Reply(kind="html", status=502)] * 3)
    with pytest.raises(ServerError) as caught:
        await client_for(api, session).generate(REQUEST)
    assert "<" not in caught.value.detail and "502 Bad Gateway" in caught.value.detail


async def test_connection_refused_is_service_unreachable(session):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = ImageClient(
        session,
        url=f"http://127.0.0.1:{port}/v1/images/generations",
        api_key="k",
        timeout=2,
        backoff_base=0.01,
    )
    with pytest.raises(ServiceUnreachable) as caught:
        await client.generate(REQUEST)
    # Nothing was sent, so every attempt could be made.
    assert [a.outcome for a in caught.value.attempts] == ["unreachable"] * 3


async def test_no_retry_pause_runs_past_the_deadline(api, session):
    api.queue(
        Reply.dashscope_error(
            429, "Throttling", "Requests throttling triggered.", headers={"Retry-After": "30"}
        )
    )
    started = time.monotonic()
    with pytest.raises(Throttled):
        await client_for(api, session).generate(REQUEST, deadline=time.monotonic() + 10)
    assert time.monotonic() - started < 2
    assert api.generation_calls == 1


async def test_an_oversized_image_is_refused(api, session):
    api.image = make_png(200, 200, noise=True)
    with pytest.raises(ImageDownloadFailed):
        await client_for(api, session, max_image_bytes=10_000).generate(REQUEST)


async def test_data_url_b64_is_accepted(api, session):
    png = make_png(8, 8)
    api.queue(
        Reply(
            kind="error",
            status=200,
            body={
                "data": [{"b64_json": "data:image/png;base64," + base64.b64encode(png).decode()}]
            },
        )
    )
    image = await client_for(api, session).generate(REQUEST)
    assert image.data == png


class RecordingGate:
    def __init__(self) -> None:
        self.events: list[str] = []

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        self.events.append("enter")
        try:
            yield
        finally:
            self.events.append("leave")

    def throttled(self, retry_after: float | None) -> None:
        self.events.append(f"throttled:{retry_after}")

    def succeeded(self) -> None:
        self.events.append("ok")


async def test_every_attempt_passes_the_gate_and_429_feeds_back(api, session):
    gate = RecordingGate()
    api.queue(
        Reply.dashscope_error(
            429, "Throttling.RateQuota", "slow down", headers={"Retry-After": "0.05"}
        )
    )
    await client_for(api, session, gate=gate).generate(REQUEST)
    assert gate.events == ["enter", "throttled:0.05", "leave", "enter", "ok", "leave"]


async def test_the_key_never_appears_in_errors_or_logs(api, session, caplog):
    caplog.set_level(logging.DEBUG)
    api.queue(
        Reply.dashscope_error(500, "InternalError", "boom"),
        Reply.dashscope_error(401, "InvalidApiKey", "Invalid API-key provided."),
    )
    with pytest.raises(ImageAPIError) as caught:
        await client_for(api, session).generate(REQUEST)
    assert api.api_key not in caught.value.log_line()
    assert api.api_key not in repr(caught.value)
    assert all(api.api_key not in record.getMessage() for record in caplog.records)
    assert any("retrying" in record.getMessage() for record in caplog.records)


async def test_on_answered_is_called_once_before_the_download(api, session):
    downloads_at_answer: list[int] = []
    image = await client_for(api, session).generate(
        REQUEST, on_answered=lambda: downloads_at_answer.append(len(api.downloads))
    )
    assert downloads_at_answer == [0]  # the slot was handed on before the image came down
    assert image.data == api.image
    assert len(api.downloads) == 1


async def test_on_answered_is_not_called_when_the_provider_refuses(api, session):
    api.queue(Reply.relay_error(400, "InvalidParameter: bad size"))
    called: list[bool] = []
    with pytest.raises(BadRequest):
        await client_for(api, session).generate(REQUEST, on_answered=lambda: called.append(True))
    assert called == []
