"""Fetching a result image from the provider's signed URL, and reading a body under a cap."""

from __future__ import annotations

from collections.abc import Callable

import aiohttp

from imagecore.api.errors import ImageDownloadFailed

__all__ = ["DOWNLOAD_TIMEOUT", "download_image", "read_capped"]

DOWNLOAD_TIMEOUT = 60.0


async def download_image(
    session: aiohttp.ClientSession,
    url: str,
    request_id: str | None,
    end: float,
    *,
    cap: int,
    clock: Callable[[], float],
) -> bytes:
    """Fetch the result right away: the provider's URLs expire (OSS answers 403 then).
    A 5xx or a broken connection is tried once more, while the budget (until ``end`` on
    ``clock``) lasts."""
    if not url.startswith(("https://", "http://")):
        raise ImageDownloadFailed("result url is not http(s)", request_id=request_id)
    last = ImageDownloadFailed("no time left to download the image", request_id=request_id)
    for _ in range(2):
        timeout = min(DOWNLOAD_TIMEOUT, end - clock())
        if timeout <= 0:
            break
        try:
            return await _fetch(session, url, request_id, timeout, cap)
        except ImageDownloadFailed as exc:
            if exc.status is None or exc.status < 500:
                raise
            last = exc
        except (TimeoutError, aiohttp.ClientError) as exc:
            last = ImageDownloadFailed(
                f"download failed: {type(exc).__name__}", request_id=request_id
            )
    raise last


async def _fetch(
    session: aiohttp.ClientSession, url: str, request_id: str | None, limit: float, cap: int
) -> bytes:
    # No Authorization header: the URL is signed, and the key must not go to another host.
    async with session.get(url, timeout=aiohttp.ClientTimeout(total=limit)) as response:
        if response.status != 200:
            raise ImageDownloadFailed(
                f"download answered HTTP {response.status} (expired or missing)",
                status=response.status,
                request_id=request_id,
            )
        declared = response.content_length
        if declared is not None and declared > cap:
            raise ImageDownloadFailed(
                f"image of {declared} bytes is over the cap", request_id=request_id
            )
        data = await read_capped(response, cap)
        if data is None:
            raise ImageDownloadFailed(f"image is over the {cap}-byte cap", request_id=request_id)
        return data


async def read_capped(response: aiohttp.ClientResponse, cap: int) -> bytes | None:
    """The body, or None as soon as it grows past ``cap`` bytes (never held in memory)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_chunked(256 * 1024):
        size += len(chunk)
        if size > cap:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
