"""The image API client: one POST per attempt, retries for transient trouble, and the
download of the result, all on the bot's single ``aiohttp.ClientSession``."""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import logging
import random
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp

from imagecore.api.errors import (
    ImageAPIError,
    ImageDownloadFailed,
    MalformedAnswer,
    RequestTimedOut,
    ServiceUnreachable,
    Throttled,
    classify_error,
    parse_retry_after,
)
from imagecore.api.image_bytes import image_extension
from imagecore.api.request import ImageRequest, build_payload

__all__ = ["AttemptGate", "GeneratedImage", "ImageClient", "OpenGate"]

log = logging.getLogger(__name__)

MAX_ANSWER_BYTES = 64 * 1024 * 1024  # a b64 PNG of the largest size is far below this
DOWNLOAD_TIMEOUT = 60.0
REQUEST_ID_HEADERS = ("x-request-id", "x-dashscope-request-id", "request-id")


class AttemptGate(Protocol):
    """Where every API attempt waits for its turn (concurrency and request rate)."""

    def slot(self) -> AbstractAsyncContextManager[None]: ...

    def throttled(self, retry_after: float | None) -> None: ...

    def succeeded(self) -> None: ...


class OpenGate:
    """A gate that never waits, for callers without a scheduler."""

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        yield

    def throttled(self, retry_after: float | None) -> None:
        pass

    def succeeded(self) -> None:
        pass


@dataclass(frozen=True, slots=True)
class GeneratedImage:
    data: bytes
    extension: str
    revised_prompt: str | None
    source: str  # "url" or "b64_json"
    attempts: int
    request_id: str | None = None


class ImageClient:
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
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._session = session
        self._url = url
        # Kept only inside the header dict; never formatted into a log line or an error.
        self._headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
        self._timeout = timeout
        self._gate = gate or OpenGate()
        self._max_attempts = max_attempts
        self._backoff_base = backoff_base
        self._max_image_bytes = max_image_bytes
        self._clock = clock

    async def generate(
        self, request: ImageRequest, *, deadline: float | None = None
    ) -> GeneratedImage:
        """Generate one image. ``deadline`` (on ``clock``) is when the answer becomes useless:
        no attempt or pause runs past it."""
        payload = build_payload(request)
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._attempt(payload, attempt, deadline)
            except ImageAPIError as exc:
                if not exc.retryable or attempt >= self._max_attempts:
                    raise
                delay = self._backoff(attempt, exc.retry_after)
                if deadline is not None and self._clock() + delay + 1.0 >= deadline:
                    raise
                log.info(
                    "image API attempt %d failed (%s); retrying in %.1fs",
                    attempt,
                    exc.log_line(),
                    delay,
                )
                await asyncio.sleep(delay)

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        # Exponential with full jitter spreads retries of many users apart.
        backoff = self._backoff_base * (2 ** (attempt - 1)) * (0.5 + random.random())
        return max(backoff, retry_after or 0.0)

    async def _attempt(
        self, payload: dict[str, Any], attempt: int, deadline: float | None
    ) -> GeneratedImage:
        timeout = self._timeout
        async with self._gate.slot():
            if deadline is not None:
                timeout = min(timeout, deadline - self._clock())
                if timeout <= 0:
                    raise RequestTimedOut("no time left before the interaction expires")
            try:
                async with self._session.post(
                    self._url,
                    json=payload,
                    headers=self._headers,
                    timeout=aiohttp.ClientTimeout(total=timeout),
                ) as response:
                    status = response.status
                    body = await _read_capped(response, MAX_ANSWER_BYTES)
                    request_id = _request_id(response.headers)
                    retry_after = parse_retry_after(response.headers.get("Retry-After"))
            except TimeoutError:
                raise RequestTimedOut(f"no answer within {timeout:.0f}s") from None
            except aiohttp.ClientError as exc:
                raise ServiceUnreachable(f"{type(exc).__name__}: {exc}") from None
            if status != 200:
                error = classify_error(
                    status,
                    body.decode("utf-8", "replace"),
                    retry_after=retry_after,
                    header_request_id=request_id,
                )
                if isinstance(error, Throttled):
                    self._gate.throttled(retry_after)
                raise error
            self._gate.succeeded()
        # The download runs outside the slot: it does not count against the provider's cap.
        return await self._image_from(body, attempt, request_id)

    async def _image_from(
        self, body: bytes, attempt: int, request_id: str | None
    ) -> GeneratedImage:
        try:
            answer = json.loads(body)
        except ValueError:
            snippet = body[:120].decode("utf-8", "replace")
            raise MalformedAnswer(
                f"answer is not JSON: {snippet!r}", request_id=request_id
            ) from None
        items = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(items, list) or not items or not isinstance(items[0], dict):
            raise MalformedAnswer("answer has no data[0]", request_id=request_id)
        item = items[0]
        revised = item.get("revised_prompt")
        revised = revised.strip() if isinstance(revised, str) and revised.strip() else None
        if isinstance(item.get("b64_json"), str) and item["b64_json"]:
            data, source = self._decode_b64(item["b64_json"], request_id), "b64_json"
        elif isinstance(item.get("url"), str) and item["url"]:
            data, source = await self._download(item["url"], request_id), "url"
        else:
            raise MalformedAnswer("data[0] has neither url nor b64_json", request_id=request_id)
        extension = image_extension(data)
        if extension is None:
            raise MalformedAnswer(
                "the returned bytes are not a PNG, JPEG or WebP image", request_id=request_id
            )
        return GeneratedImage(data, extension, revised, source, attempt, request_id)

    def _decode_b64(self, text: str, request_id: str | None) -> bytes:
        if len(text) > self._max_image_bytes * 4 // 3 + 4:
            raise MalformedAnswer("b64_json image is larger than the cap", request_id=request_id)
        if text.startswith("data:"):
            text = text.partition(",")[2]
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise MalformedAnswer("b64_json is not valid base64", request_id=request_id) from None

    async def _download(self, url: str, request_id: str | None) -> bytes:
        """Fetch the result right away: the provider's URLs expire (OSS answers 403 then)."""
        if not url.startswith(("https://", "http://")):
            raise ImageDownloadFailed("result url is not http(s)", request_id=request_id)
        # No Authorization header: the URL is signed, and the key must not go to another host.
        last: ImageDownloadFailed | None = None
        for _ in range(2):
            try:
                async with self._session.get(
                    url, timeout=aiohttp.ClientTimeout(total=DOWNLOAD_TIMEOUT)
                ) as response:
                    if response.status != 200:
                        raise ImageDownloadFailed(
                            f"download answered HTTP {response.status} (expired or missing)",
                            status=response.status,
                            request_id=request_id,
                        )
                    declared = response.content_length
                    if declared is not None and declared > self._max_image_bytes:
                        raise ImageDownloadFailed(
                            f"image of {declared} bytes is over the cap", request_id=request_id
                        )
                    return await _read_capped(response, self._max_image_bytes, request_id)
            except ImageDownloadFailed as exc:
                if exc.status is None or exc.status < 500:
                    raise
                last = exc
            except (TimeoutError, aiohttp.ClientError) as exc:
                last = ImageDownloadFailed(
                    f"download failed: {type(exc).__name__}", request_id=request_id
                )
        assert last is not None
        raise last


async def _read_capped(
    response: aiohttp.ClientResponse, cap: int, request_id: str | None = None
) -> bytes:
    """Read the body, refusing to hold more than ``cap`` bytes in memory."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_chunked(256 * 1024):
        size += len(chunk)
        if size > cap:
            raise ImageDownloadFailed(f"body is over the {cap}-byte cap", request_id=request_id)
        chunks.append(chunk)
    return b"".join(chunks)


def _request_id(headers: Any) -> str | None:
    for name in REQUEST_ID_HEADERS:
        if value := headers.get(name):
            return str(value)[:100]
    return None
