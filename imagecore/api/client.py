"""The image API client: one POST per attempt, retries only where no image can have been
made, and the download of the result, all on the bot's single ``aiohttp.ClientSession``.

The retry rules and the time budget of a call are described in :mod:`imagecore.api.attempts`;
the wire format (body, answer, error codes) is the ``style``'s (:mod:`imagecore.api.styles`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import aiohttp

from imagecore.api.answers import AnswerItem, about_inputs, decode_b64, parse_retry_after
from imagecore.api.attempts import (
    Attempt,
    AttemptGate,
    OpenGate,
    backoff_delay,
    default_budget,
    retry_fits,
)
from imagecore.api.download import download_image, read_capped
from imagecore.api.errors import (
    ConnectionLost,
    ImageAPIError,
    MalformedAnswer,
    RequestTimedOut,
    ServiceUnreachable,
    Throttled,
)
from imagecore.api.image_bytes import image_extension
from imagecore.api.request import ImageRequest
from imagecore.api.styles import ApiStyle, RelayStyle

__all__ = ["AttemptGate", "GeneratedImage", "ImageClient", "OpenGate"]

log = logging.getLogger(__name__)

MAX_ANSWER_BYTES = 64 * 1024 * 1024  # a b64 PNG of the largest size is far below this
# Connecting is quick or broken; a dead host must not eat the attempt's whole timeout.
CONNECT_TIMEOUT = 10.0
# An answer carrying its image (b64_json, some MB) is parsed and decoded in a thread: on
# the loop it would hold up the next job's request and every acknowledgement meanwhile.
OFF_LOOP_BYTES = 256 * 1024
REQUEST_ID_HEADERS = ("x-request-id", "x-dashscope-request-id", "request-id")


@dataclass(frozen=True, slots=True)
class GeneratedImage:
    data: bytes
    extension: str
    revised_prompt: str | None
    source: str  # "url" or "b64_json"
    attempts: tuple[Attempt, ...] = ()  # every request sent for it, the last one "ok"
    request_id: str | None = None

    @property
    def attempt_count(self) -> int:
        return len(self.attempts)


@dataclass(frozen=True, slots=True)
class _Answer:
    status: int
    body: bytes
    request_id: str | None
    retry_after: float | None


class ImageClient:
    """``timeout`` bounds one attempt; ``budget`` (default ``timeout + 15 s``) bounds a whole
    ``generate()`` call, retries, pauses, gate waits and the download included."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        url: str,
        api_key: str,
        timeout: float,
        gate: AttemptGate | None = None,
        max_attempts: int = 3,
        backoff_base: float = 1.0,
        max_image_bytes: int = 32 * 1024 * 1024,
        budget: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        style: ApiStyle | None = None,
    ) -> None:
        """``url`` is the full POST URL (the base URL plus ``style.path``)."""
        self._session = session
        self.style: ApiStyle = style or RelayStyle()
        self._url = url
        # Kept only inside the header dict; never formatted into a log line or an error.
        self._headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
        self._timeout = timeout
        self.budget = default_budget(timeout) if budget is None else budget
        self._gate = gate or OpenGate()
        self._max_attempts = max_attempts
        self._backoff_base = backoff_base
        self._max_image_bytes = max_image_bytes
        self._clock = clock
        self._sleep = sleep

    async def generate(
        self,
        request: ImageRequest,
        *,
        deadline: float | None = None,
        on_answered: Callable[[], None] | None = None,
    ) -> GeneratedImage:
        """The first image of one answer (the only one unless the model makes several);
        see :meth:`generate_all`."""
        images = await self._generate(request, deadline, on_answered, every=False)
        return images[0]

    async def generate_all(
        self,
        request: ImageRequest,
        *,
        deadline: float | None = None,
        on_answered: Callable[[], None] | None = None,
    ) -> tuple[GeneratedImage, ...]:
        """Every image of one answer, in the provider's order, each carrying the call's
        attempts; the same rules as :meth:`generate`."""
        return await self._generate(request, deadline, on_answered, every=True)

    async def _generate(
        self,
        request: ImageRequest,
        deadline: float | None,
        on_answered: Callable[[], None] | None,
        *,
        every: bool,
    ) -> tuple[GeneratedImage, ...]:
        """Generate images, within ``self.budget`` seconds of this call and before
        ``deadline`` (on ``clock``), when the answer becomes useless. Raises an
        ImageAPIError whose ``attempts`` lists every request sent; the result has them too.
        ``on_answered`` is called once the provider answered with an image and its slot is
        free again, before the download."""
        # A request the style cannot carry is refused here, before anything is sent.
        payload = self.style.build_body(request)
        end = self._clock() + self.budget
        if deadline is not None:
            end = min(end, deadline)
        attempts: list[Attempt] = []
        try:
            while True:
                try:
                    images = await self._attempt(
                        payload,
                        len(attempts) + 1,
                        end,
                        attempts,
                        on_answered,
                        every=every,
                        edits=bool(request.images),
                    )
                    made = tuple(attempts)
                    return tuple(dataclasses.replace(i, attempts=made) for i in images)
                except ImageAPIError as exc:
                    if not exc.retryable or len(attempts) >= self._max_attempts:
                        raise
                    delay = backoff_delay(len(attempts), self._backoff_base, exc.retry_after)
                    left = end - self._clock()
                    fits = retry_fits(delay, left, self._timeout)
                    log.info(
                        "image API attempt %d failed (%s); %s %.1fs",
                        len(attempts),
                        exc.log_line(),
                        "retrying in" if fits else "no retry, the call has left only",
                        delay if fits else left,
                    )
                    if not fits:
                        raise
                    await self._sleep(delay)
        except ImageAPIError as exc:
            exc.attempts = tuple(attempts)
            raise

    async def _attempt(
        self,
        payload: dict[str, Any],
        number: int,
        end: float,
        attempts: list[Attempt],
        on_answered: Callable[[], None] | None,
        *,
        every: bool,
        edits: bool,
    ) -> tuple[GeneratedImage, ...]:
        async with AsyncExitStack() as stack:
            await self._enter_slot(stack, end)
            timeout = min(self._timeout, end - self._clock())
            if timeout <= 0:
                raise RequestTimedOut("no time left for another attempt")
            started = self._clock()
            try:
                answer = await self._post(payload, timeout)
                if answer.status != 200:
                    error = self.style.classify_error(
                        answer.status,
                        answer.body.decode("utf-8", "replace"),
                        retry_after=answer.retry_after,
                        header_request_id=answer.request_id,
                    )
                    raise about_inputs(error) if edits else error
            except ImageAPIError as exc:
                attempts.append(
                    Attempt(number, exc.outcome, exc.status, exc.request_id, self._since(started))
                )
                if isinstance(exc, Throttled):
                    self._gate.throttled(exc.retry_after)
                if isinstance(exc, RequestTimedOut | ConnectionLost):
                    log.warning(
                        "image API request %d (request_id=%s) not sent again: %s; the provider "
                        "may still be making, and billing, that image",
                        number,
                        exc.request_id,
                        exc.detail,
                    )
                raise
            seconds = self._since(started)
            self._gate.succeeded()
        if on_answered is not None:
            on_answered()
        # The download runs outside the slot: it does not count against the provider's cap.
        try:
            images = await self._images_from(answer, end, every)
        except ImageAPIError as exc:
            attempts.append(Attempt(number, exc.outcome, 200, exc.request_id, seconds))
            raise
        attempts.append(Attempt(number, "ok", 200, images[0].request_id, seconds))
        return images

    async def _enter_slot(self, stack: AsyncExitStack, end: float) -> None:
        try:
            async with asyncio.timeout(max(0.0, end - self._clock())):
                await stack.enter_async_context(self._gate.slot())
        except TimeoutError:
            raise RequestTimedOut("no free slot at the image API in time") from None

    async def _post(self, payload: dict[str, Any], limit: float) -> _Answer:
        status: int | None = None
        request_id: str | None = None
        client_timeout = aiohttp.ClientTimeout(total=limit, connect=min(CONNECT_TIMEOUT, limit))
        try:
            async with self._session.post(
                self._url, json=payload, headers=self._headers, timeout=client_timeout
            ) as response:
                status, request_id = response.status, _request_id(response.headers)
                body = await read_capped(response, MAX_ANSWER_BYTES)
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
        # Order matters: a connect timeout is also a TimeoutError, but nothing was sent.
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
            raise ServiceUnreachable(f"{type(exc).__name__}: {exc}") from None
        except TimeoutError:
            raise RequestTimedOut(
                f"no answer within {limit:.1f}s", status=status, request_id=request_id
            ) from None
        except aiohttp.ClientError as exc:
            raise ConnectionLost(
                f"connection lost after sending: {type(exc).__name__}",
                status=status,
                request_id=request_id,
            ) from None
        if body is None:
            raise MalformedAnswer(
                f"answer is over the {MAX_ANSWER_BYTES}-byte cap",
                status=status,
                request_id=request_id,
            )
        return _Answer(status, body, request_id, retry_after)

    def _since(self, started: float) -> float:
        return round(self._clock() - started, 3)

    async def _images_from(
        self, answer: _Answer, end: float, every: bool
    ) -> tuple[GeneratedImage, ...]:
        parse = self.style.parse_answer
        if len(answer.body) > OFF_LOOP_BYTES:
            parsed = await asyncio.to_thread(parse, answer.body, answer.request_id)
        else:
            parsed = parse(answer.body, answer.request_id)
        items = parsed.items if every else parsed.items[:1]
        # One after the other: each download has the call's remaining budget, and a
        # failure stops the rest (the answer as a whole failed).
        return tuple([await self._image_of(item, parsed.request_id, end) for item in items])

    async def _image_of(
        self, item: AnswerItem, request_id: str | None, end: float
    ) -> GeneratedImage:
        if item.b64_json is not None:
            cap, source = self._max_image_bytes, "b64_json"
            data = await asyncio.to_thread(decode_b64, item.b64_json, cap, request_id)
        elif item.url is not None:
            data, source = (
                await download_image(
                    self._session,
                    item.url,
                    request_id,
                    end,
                    cap=self._max_image_bytes,
                    clock=self._clock,
                ),
                "url",
            )
        else:
            raise MalformedAnswer("the answer has neither url nor b64_json", request_id=request_id)
        extension = image_extension(data)
        if extension is None:
            raise MalformedAnswer(
                "the returned bytes are not a PNG, JPEG or WebP image", request_id=request_id
            )
        return GeneratedImage(data, extension, item.revised_prompt, source, (), request_id)


def _request_id(headers: Any) -> str | None:
    for name in REQUEST_ID_HEADERS:
        if value := headers.get(name):
            return str(value)[:100]
    return None
