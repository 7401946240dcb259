"""Fetching a picture to edit (a Discord attachment, an image in a message) on the bot's own
session, size-capped and time-limited, so the provider gets bytes and never a link that is
signed, expiring, or out of its reach.
"""

from __future__ import annotations

import enum

import aiohttp

__all__ = ["MAX_DOWNLOAD_BYTES", "DownloadProblem", "InputDownloadFailed", "download_input"]

# Larger files are refused before fitting: nobody's phone makes a 25 MB photo worth editing,
# and the fitting decodes the whole file.
MAX_DOWNLOAD_BYTES = 25 * 1024 * 1024
DOWNLOAD_TIMEOUT = 20.0
CHUNK = 256 * 1024


class DownloadProblem(enum.Enum):
    DEAD_LINK = "dead_link"  # 4xx/5xx, or a scheme we don't fetch
    TOO_LARGE = "too_large"
    TIMED_OUT = "timed_out"
    UNREACHABLE = "unreachable"


class InputDownloadFailed(Exception):
    def __init__(self, problem: DownloadProblem, detail: str) -> None:
        super().__init__(detail)
        self.problem = problem
        self.detail = detail


async def download_input(
    session: aiohttp.ClientSession,
    url: str,
    *,
    max_bytes: int = MAX_DOWNLOAD_BYTES,
    limit_seconds: float = DOWNLOAD_TIMEOUT,
) -> bytes:
    if not url.startswith(("https://", "http://")):
        raise InputDownloadFailed(DownloadProblem.DEAD_LINK, "not an http(s) link")
    try:
        async with session.get(
            url, timeout=aiohttp.ClientTimeout(total=limit_seconds), allow_redirects=True
        ) as response:
            if response.status != 200:
                raise InputDownloadFailed(
                    DownloadProblem.DEAD_LINK, f"answered HTTP {response.status}"
                )
            declared = response.content_length
            if declared is not None and declared > max_bytes:
                raise InputDownloadFailed(DownloadProblem.TOO_LARGE, f"{declared} bytes declared")
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.content.iter_chunked(CHUNK):
                size += len(chunk)
                if size > max_bytes:  # a server that lies about, or omits, its length
                    raise InputDownloadFailed(DownloadProblem.TOO_LARGE, f"over {max_bytes} bytes")
                chunks.append(chunk)
            return b"".join(chunks)
    except TimeoutError:
        raise InputDownloadFailed(
            DownloadProblem.TIMED_OUT, f"no file within {limit_seconds:.0f} s"
        ) from None
    except aiohttp.ClientError as exc:
        raise InputDownloadFailed(DownloadProblem.UNREACHABLE, type(exc).__name__) from None
