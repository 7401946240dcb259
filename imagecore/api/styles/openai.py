"""OpenAI-shaped relays: ``{model, prompt, size: "WxH", n, response_format}`` at
``/images/generations``, ``data[].b64_json | url`` back, ``{error: {message, type, code}}``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from imagecore.api.answers import classify_error, parse_error_body
from imagecore.api.errors import (
    AuthFailed,
    BillingProblem,
    ContentRejected,
    ImageAPIError,
    StyleUnsupported,
    Throttled,
)
from imagecore.api.request import ImageRequest
from imagecore.api.styles.base import ParsedAnswer, data_items, load_json

__all__ = ["OPENAI_EXTRA_FIELDS", "OpenAIStyle"]

# Fields some relays take beside OpenAI's own; sent only where IMAGE_API_EXTRA_FIELDS says.
OPENAI_EXTRA_FIELDS = ("negative_prompt", "seed", "watermark")

CODES: dict[str, type[ImageAPIError]] = {
    "invalid_api_key": AuthFailed,
    "insufficient_quota": BillingProblem,
    "billing_hard_limit_reached": BillingProblem,
    "content_policy_violation": ContentRejected,
    "moderation_blocked": ContentRejected,
    "rate_limit_exceeded": Throttled,
}


@dataclass(frozen=True, slots=True)
class OpenAIStyle:
    extra_fields: frozenset[str] = field(default_factory=frozenset)
    name: str = "openai"
    path: str = "/images/generations"

    def build_body(self, request: ImageRequest) -> dict[str, Any]:
        if request.images:
            raise StyleUnsupported(
                "editing needs IMAGE_API_STYLE=relay or dashscope: the openai style "
                "sends no input images"
            )
        width, _, height = request.size.partition("*")
        body: dict[str, Any] = {
            "model": request.model,
            "prompt": request.prompt,
            "size": f"{width}x{height}",
            "n": 1,
            # The image comes inside the answer: no second request, no expiring URL.
            "response_format": "b64_json",
        }
        if "negative_prompt" in self.extra_fields and request.negative_prompt.strip():
            body["negative_prompt"] = request.negative_prompt
        if "seed" in self.extra_fields and request.seed is not None:
            body["seed"] = request.seed
        if "watermark" in self.extra_fields:
            body["watermark"] = request.watermark
        return body

    def parse_answer(self, body: bytes, request_id: str | None) -> ParsedAnswer:
        return ParsedAnswer(data_items(load_json(body, request_id), request_id), request_id)

    def classify_error(
        self,
        status: int,
        text: str,
        *,
        retry_after: float | None = None,
        header_request_id: str | None = None,
    ) -> ImageAPIError:
        info = parse_error_body(text)
        error_class = CODES.get(info.code or "")
        if error_class is None:
            return classify_error(
                status, text, retry_after=retry_after, header_request_id=header_request_id
            )
        return error_class(
            info.message or f"HTTP {status}",
            status=status,
            code=info.code,
            request_id=info.request_id or header_request_id,
            retry_after=retry_after,
        )
