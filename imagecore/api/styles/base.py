"""The interface every API style implements, and the pieces of answers they share."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

from imagecore.api.answers import AnswerItem
from imagecore.api.errors import ImageAPIError, MalformedAnswer
from imagecore.api.request import ImageRequest

__all__ = ["STYLE_NAMES", "ApiStyle", "ParsedAnswer", "content_items", "load_json", "revised"]

STYLE_NAMES = ("relay", "dashscope", "openai")


@dataclass(frozen=True, slots=True)
class ParsedAnswer:
    """Every image of one 200 answer, in order, and the request id the body carried."""

    items: tuple[AnswerItem, ...]
    request_id: str | None = None


class ApiStyle(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def path(self) -> str:
        """Appended to the base URL: where generation requests are POSTed."""
        ...

    def build_body(self, request: ImageRequest) -> dict[str, Any]:
        """The JSON body; raises an ImageAPIError for a request this style cannot carry."""
        ...

    def parse_answer(self, body: bytes, request_id: str | None) -> ParsedAnswer:
        """The images of a 200 answer, or MalformedAnswer."""
        ...

    def classify_error(
        self,
        status: int,
        text: str,
        *,
        retry_after: float | None = None,
        header_request_id: str | None = None,
    ) -> ImageAPIError:
        """The error class of a non-200 answer."""
        ...


def content_items(request: ImageRequest) -> list[dict[str, str]]:
    """A user message's content: input images first (numbered in order by the model), then
    the prompt, the shape both DashScope and the relay pass through."""
    return [*({"image": image} for image in request.images), {"text": request.prompt}]


def load_json(body: bytes, request_id: str | None) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        snippet = body[:120].decode("utf-8", "replace")
        raise MalformedAnswer(f"answer is not JSON: {snippet!r}", request_id=request_id) from None


def revised(value: object) -> str | None:
    """A revised prompt worth showing: qwen-image sends ``""``, which counts as none."""
    return value.strip() if isinstance(value, str) and value.strip() else None


def dig(value: Any, *keys: str | int) -> Any:
    """``value[k1][k2]...``, or None where the shape differs."""
    for key in keys:
        if isinstance(key, int) and isinstance(value, list) and len(value) > key:
            value = value[key]
        elif isinstance(key, str) and isinstance(value, dict):
            value = value.get(key)
        else:
            return None
    return value


def message_images(content: Any, revised_prompt: str | None) -> tuple[AnswerItem, ...]:
    """The ``{"image": url}`` items of a DashScope message's content."""
    if not isinstance(content, list):
        return ()
    return tuple(
        AnswerItem(None, item["image"], revised_prompt)
        for item in content
        if isinstance(item, dict) and isinstance(item.get("image"), str) and item["image"]
    )


def data_items(answer: Any, request_id: str | None) -> tuple[AnswerItem, ...]:
    """The images of an OpenAI-shaped ``data[]``; ``b64_json`` wins over ``url``."""
    items = answer.get("data") if isinstance(answer, dict) else None
    if not isinstance(items, list) or not items:
        raise MalformedAnswer("answer has no data[0]", request_id=request_id)
    found: list[AnswerItem] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        text = revised(item.get("revised_prompt"))
        if isinstance(item.get("b64_json"), str) and item["b64_json"]:
            found.append(AnswerItem(item["b64_json"], None, text))
        elif isinstance(item.get("url"), str) and item["url"]:
            found.append(AnswerItem(None, item["url"], text))
    if not found:
        raise MalformedAnswer("data[0] has neither url nor b64_json", request_id=request_id)
    return tuple(found)
