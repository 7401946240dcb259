"""Bailian's native API (DashScope), Beijing or Singapore: ``{model, input: {messages},
parameters}`` at ``/services/aigc/multimodal-generation/generation``, the images in
``output.choices[0].message.content``, and errors that keep their exact ``code``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from imagecore.api.answers import classify_error, parse_error_body
from imagecore.api.errors import (
    AuthFailed,
    BadRequest,
    BillingProblem,
    ContentRejected,
    ImageAPIError,
    MalformedAnswer,
    ServerError,
    Throttled,
)
from imagecore.api.request import ImageRequest, build_payload
from imagecore.api.styles.base import ParsedAnswer, content_items, dig, load_json, message_images
from imagecore.editing.capabilities import ModelCapabilities

__all__ = ["DashScopeStyle", "error_class_for"]

EXACT: dict[str, type[ImageAPIError]] = {
    "InvalidApiKey": AuthFailed,
    "AccessDenied": AuthFailed,
    "AccessDenied.Unpurchased": AuthFailed,
    "Arrearage": BillingProblem,
    "BillOverdue": BillingProblem,
    "AllocationQuota.FreeTierOnly": BillingProblem,
    "DataInspectionFailed": ContentRejected,
    "data_inspection_failed": ContentRejected,
    "InvalidParameter.DataInspection": ContentRejected,
    "IPInfringementSuspect": ContentRejected,
    "InvalidParameter": BadRequest,
    "InvalidURL": BadRequest,
    "ModelNotFound": BadRequest,
    "RequestTimeOut": ServerError,  # 408: not billed, another attempt often works
}
PREFIXES: tuple[tuple[str, type[ImageAPIError]], ...] = (
    ("Throttling", Throttled),  # Throttling, .RateQuota, .AllocationQuota: clear in a minute
    ("InternalError", ServerError),  # InternalError, InternalError.Algo
    ("BadRequest", BadRequest),  # .EmptyInput, .EmptyParameters, .EmptyModel, .TooLarge
    ("InvalidParameter", BadRequest),
)


def error_class_for(code: str | None) -> type[ImageAPIError] | None:
    """The class DashScope's exact ``code`` stands for, or None for one we don't know."""
    if not code:
        return None
    if code in EXACT:
        return EXACT[code]
    for prefix, error_class in PREFIXES:
        if code == prefix or code.startswith(f"{prefix}."):
            return error_class
    return None


@dataclass(frozen=True, slots=True)
class DashScopeStyle:
    # Added to InvalidApiKey: keys are per region, and the other region's key fails alike.
    region_hint: str = ""
    name: str = "dashscope"
    path: str = "/services/aigc/multimodal-generation/generation"
    # The self-hoster's overrides of what each model takes (IMAGE_MODEL_CAPABILITIES).
    models: Mapping[str, ModelCapabilities] = field(default_factory=dict)

    def build_body(self, request: ImageRequest) -> dict[str, Any]:
        body = build_payload(request, self.models)
        body["input"]["messages"][0]["content"] = content_items(request)
        return body

    def parse_answer(self, body: bytes, request_id: str | None) -> ParsedAnswer:
        answer = load_json(body, request_id)
        body_id = dig(answer, "request_id")
        request_id = str(body_id)[:100] if body_id else request_id
        content = dig(answer, "output", "choices", 0, "message", "content")
        if not isinstance(content, list):
            raise MalformedAnswer(
                "answer has no output.choices[0].message.content", request_id=request_id
            )
        text = next(
            (i["text"] for i in content if isinstance(i, dict) and isinstance(i.get("text"), str)),
            None,
        )
        images = message_images(content, text.strip() or None if text else None)
        if not images:
            raise MalformedAnswer("the answer's content holds no image", request_id=request_id)
        return ParsedAnswer(images, request_id)

    def classify_error(
        self,
        status: int,
        text: str,
        *,
        retry_after: float | None = None,
        header_request_id: str | None = None,
    ) -> ImageAPIError:
        info = parse_error_body(text)
        error_class = error_class_for(info.code)
        if error_class is None:
            return classify_error(
                status, text, retry_after=retry_after, header_request_id=header_request_id
            )
        message = info.message or f"HTTP {status}"
        if info.code == "InvalidApiKey" and self.region_hint:
            message = f"{message} {self.region_hint}"
        return error_class(
            message,
            status=status,
            code=info.code,
            request_id=info.request_id or header_request_id,
            retry_after=retry_after,
        )
