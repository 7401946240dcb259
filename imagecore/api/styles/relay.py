"""The contract's relay (new-api in front of DashScope): DashScope's body at
``/images/generations``, an OpenAI-shaped answer with DashScope's raw answer in ``metadata``,
and errors whose provider code is lost (classified by status and message)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from imagecore.api.answers import classify_error
from imagecore.api.errors import ImageAPIError
from imagecore.api.request import ImageRequest, build_payload
from imagecore.api.styles.base import (
    ParsedAnswer,
    content_items,
    data_items,
    dig,
    load_json,
    message_images,
    revised,
)
from imagecore.editing.capabilities import ModelCapabilities

__all__ = ["RelayStyle"]


@dataclass(frozen=True, slots=True)
class RelayStyle:
    name: str = "relay"
    path: str = "/images/generations"
    # The self-hoster's overrides of what each model takes (IMAGE_MODEL_CAPABILITIES).
    models: Mapping[str, ModelCapabilities] = field(default_factory=dict)

    def build_body(self, request: ImageRequest) -> dict[str, Any]:
        body = build_payload(request, self.models)
        body["input"]["messages"][0]["content"] = content_items(request)
        # Older relay builds refuse a body without it; upstream, ``input`` wins.
        body["prompt"] = request.prompt
        return body

    def parse_answer(self, body: bytes, request_id: str | None) -> ParsedAnswer:
        answer = load_json(body, request_id)
        # The relay keeps only the last of several images in data[]; metadata has them all.
        content = dig(answer, "metadata", "output", "choices", 0, "message", "content")
        first = dig(answer, "data", 0)
        text = revised(first.get("revised_prompt")) if isinstance(first, dict) else None
        if images := message_images(content, text):
            return ParsedAnswer(images, request_id)
        return ParsedAnswer(data_items(answer, request_id), request_id)

    def classify_error(
        self,
        status: int,
        text: str,
        *,
        retry_after: float | None = None,
        header_request_id: str | None = None,
    ) -> ImageAPIError:
        return classify_error(
            status, text, retry_after=retry_after, header_request_id=header_request_id
        )
