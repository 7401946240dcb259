"""The same client suite over the three API styles, each against the stand-in speaking it:
the body it validates, the answers it serves and the errors it sends in that style's shape."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import aiohttp
import pytest

from imagecore.api.client import ImageClient
from imagecore.api.errors import (
    AuthFailed,
    BadRequest,
    BillingProblem,
    ContentRejected,
    ImageDownloadFailed,
    MalformedAnswer,
    RequestTimedOut,
    ServerError,
    StyleUnsupported,
    Throttled,
)
from imagecore.api.request import ImageRequest
from imagecore.api.styles import STYLE_NAMES, make_style
from tests.support.api_standin import APIStandIn, Reply, make_png

REQUEST = ImageRequest(
    prompt="a red fox in snow",
    model="qwen-image",
    size="1328*1328",
    prompt_extend=True,
    watermark=False,
    negative_prompt="blurry",
    seed=7,
)
HINT = "Keys are per region: this one may be from Singapore (set DASHSCOPE_REGION=intl)."


@pytest.fixture(params=STYLE_NAMES)
async def styled(request: pytest.FixtureRequest) -> AsyncIterator[APIStandIn]:
    async with APIStandIn(style=request.param) as standin:
        yield standin


def client_for(
    api: APIStandIn, session: aiohttp.ClientSession, timeout: float = 5.0
) -> ImageClient:
    style = make_style(api.style, extra_fields=("negative_prompt", "seed"), region_hint=HINT)
    return ImageClient(
        session,
        url=f"{api.base_url}{style.path}",
        api_key=api.api_key,
        timeout=timeout,
        backoff_base=0.01,
        style=style,
    )


async def test_happy_path_sends_the_styles_body_and_gives_the_image(styled, session):
    styled.image = make_png(120, 80, noise=True)
    image = await client_for(styled, session).generate(REQUEST)
    assert styled.invalid_bodies == []
    assert image.data == styled.image and image.extension == "png"
    body = styled.requests[0].body
    if styled.style == "openai":
        assert body == {
            "model": "qwen-image",
            "prompt": "a red fox in snow",
            "size": "1328x1328",
            "n": 1,
            "response_format": "b64_json",
            "negative_prompt": "blurry",
            "seed": 7,
        }
        assert image.source == "b64_json" and styled.downloads == []
    else:
        assert body["input"]["messages"][0]["content"] == [{"text": "a red fox in snow"}]
        assert body["parameters"]["size"] == "1328*1328"
        assert ("prompt" in body) is (styled.style == "relay")
        assert image.source == "url" and len(styled.downloads) == 1


async def test_several_images_of_one_answer_all_come_back(styled, session):
    styled.queue(Reply(count=3))
    images = await client_for(styled, session).generate_all(REQUEST)
    assert [i.data for i in images] == styled.served_images
    assert len({i.data for i in images}) == 3
    assert all(i.attempt_count == 1 for i in images)


async def test_generate_gives_the_first_of_several_and_fetches_only_it(styled, session):
    styled.queue(Reply(count=3))
    image = await client_for(styled, session).generate(REQUEST)
    assert image.data == styled.served_images[0]
    assert len(styled.downloads) == (0 if styled.style == "openai" else 1)


async def test_input_images_go_before_the_text_or_are_refused_by_openai(styled, session):
    # A real picture: the stand-in decodes edit inputs as the provider does.
    picture = f"data:image/png;base64,{base64.b64encode(make_png(512, 512)).decode()}"
    request = ImageRequest(
        prompt="make it blue",
        model="qwen-image-edit-plus",
        size="1328*1328",
        prompt_extend=True,
        watermark=False,
        images=(picture, "https://pics.test/2.png"),
    )
    client = client_for(styled, session)
    if styled.style == "openai":
        with pytest.raises(StyleUnsupported) as caught:
            await client.generate(request)
        assert caught.value.attempts == () and styled.generation_calls == 0
        return
    await client.generate(request)
    assert styled.invalid_bodies == []
    assert styled.requests[0].body["input"]["messages"][0]["content"] == [
        {"image": picture},
        {"image": "https://pics.test/2.png"},
        {"text": "make it blue"},
    ]


ERRORS = {
    "relay": [
        (Reply.relay_error(400, "Input data may contain inappropriate content."), ContentRejected),
        (Reply.relay_error(401, "无效的令牌"), AuthFailed),
        (Reply.relay_error(400, "Access denied, account is not in good standing."), BillingProblem),
        (Reply.relay_error(400, "InvalidParameter: bad size"), BadRequest),
    ],
    "dashscope": [
        (Reply.dashscope_error(400, "DataInspectionFailed", "inappropriate"), ContentRejected),
        (Reply.dashscope_error(400, "data_inspection_failed", "inappropriate"), ContentRejected),
        (Reply.dashscope_error(400, "Arrearage", "Access denied."), BillingProblem),
        (Reply.dashscope_error(401, "InvalidApiKey", "Invalid API-key provided."), AuthFailed),
        (Reply.dashscope_error(403, "AccessDenied", "Access denied."), AuthFailed),
        (Reply.dashscope_error(403, "AccessDenied.Unpurchased", "Access denied."), AuthFailed),
        (Reply.dashscope_error(400, "InvalidParameter", "Access to size denied."), BadRequest),
        (Reply.dashscope_error(413, "BadRequest.TooLarge", "too large"), BadRequest),
    ],
    "openai": [
        (Reply.openai_error(400, "content_policy_violation", "refused"), ContentRejected),
        (Reply.openai_error(401, "invalid_api_key", "Incorrect API key."), AuthFailed),
        (Reply.openai_error(429, "insufficient_quota", "You exceeded your quota."), BillingProblem),
        (Reply.openai_error(400, "invalid_request_error", "bad size"), BadRequest),
    ],
}
COMMON = [
    (Reply(kind="not_json"), MalformedAnswer),
    (Reply(kind="empty"), MalformedAnswer),
    (Reply(kind="no_image"), MalformedAnswer),
    (Reply(kind="b64", image=b"GIF89a not a png"), MalformedAnswer),
]


@pytest.mark.parametrize(
    ("style", "reply", "error_class"),
    [(style, *case) for style, cases in ERRORS.items() for case in cases]
    + [(style, *case) for style in STYLE_NAMES for case in COMMON if style != "dashscope"]
    + [("dashscope", *case) for case in COMMON[:3]],
)
async def test_every_refusal_of_the_style_is_its_class_after_one_call(
    session, style, reply, error_class
):
    async with APIStandIn(style=style) as api:
        api.queue(reply)
        with pytest.raises(error_class) as caught:
            await client_for(api, session).generate(REQUEST)
        assert type(caught.value) is error_class
        assert api.generation_calls == 1


async def test_a_key_from_the_other_region_says_so(session):
    async with APIStandIn(style="dashscope") as api:
        api.queue(Reply.dashscope_error(401, "InvalidApiKey", "Invalid API-key provided."))
        with pytest.raises(AuthFailed) as caught:
            await client_for(api, session).generate(REQUEST)
    assert caught.value.detail.endswith(HINT)
    assert caught.value.request_id == "req-0123-abcd"


TRANSIENT = {
    "relay": [Reply.relay_error(429, "当前分组上游负载已饱和"), Reply.relay_error(500, "upstream")],
    "dashscope": [
        Reply.dashscope_error(429, "Throttling.RateQuota", "rate"),
        Reply.dashscope_error(429, "Throttling.AllocationQuota", "tokens per minute"),
        Reply.dashscope_error(500, "InternalError.Algo", "algo"),
        Reply.dashscope_error(408, "RequestTimeOut", "timeout"),
    ],
    "openai": [
        Reply.openai_error(429, "rate_limit_exceeded", "slow down"),
        Reply.openai_error(500, "server_error", "oops"),
    ],
}


@pytest.mark.parametrize(
    ("style", "reply"),
    [(style, reply) for style, replies in TRANSIENT.items() for reply in replies]
    + [(style, Reply(kind="html", status=502)) for style in STYLE_NAMES],
)
async def test_a_transient_failure_then_success(session, style, reply):
    async with APIStandIn(style=style) as api:
        api.queue(reply)
        image = await client_for(api, session).generate(REQUEST)
    assert [a.outcome for a in image.attempts][1:] == ["ok"]
    assert image.attempts[0].outcome in ("throttled", "server_error")
    assert api.invalid_bodies == []


async def test_429_is_throttled_in_every_style(styled, session):
    styled.concurrency_cap = 0  # the stand-in's own 429, in the style's shape
    with pytest.raises(Throttled):
        await client_for(styled, session).generate(REQUEST)
    assert styled.generation_calls == 3


async def test_a_hang_is_one_request_then_timed_out(styled, session):
    styled.queue(Reply(kind="hang"))
    with pytest.raises(RequestTimedOut):
        await client_for(styled, session, timeout=0.3).generate(REQUEST)
    assert styled.generation_calls == 1


async def test_html_instead_of_json_is_a_server_error_without_markup(styled, session):
    styled.queue(*[Reply(kind="html", status=502)] * 3)
    with pytest.raises(ServerError) as caught:
        await client_for(styled, session).generate(REQUEST)
    assert "<" not in caught.value.detail


async def test_an_expired_url_is_a_failed_download(styled, session):
    styled.queue(Reply(kind="expired_url"))
    with pytest.raises(ImageDownloadFailed) as caught:
        await client_for(styled, session).generate(REQUEST)
    assert caught.value.status == 403 and styled.generation_calls == 1


async def test_the_wrong_endpoint_for_the_style_is_refused(session):
    async with APIStandIn(style="dashscope") as api:
        client = ImageClient(
            session, url=f"{api.base_url}/images/generations", api_key=api.api_key, timeout=5
        )
        with pytest.raises(BadRequest):
            await client.generate(REQUEST)
        assert api.invalid_bodies == ["/v1/images/generations is not the dashscope endpoint"]
