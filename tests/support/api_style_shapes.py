"""What each API style's stand-in checks and says: the body it accepts, the shape of its
answers and of its own errors. Used by :mod:`tests.support.api_standin` only."""

from __future__ import annotations

import time
from typing import Any

import jsonschema

__all__ = ["PATHS", "STYLES", "answer_body", "body_problem", "error_body"]

STYLES = ("relay", "dashscope", "openai")
PATHS = {
    "relay": "/v1/images/generations",
    "dashscope": "/v1/services/aigc/multimodal-generation/generation",
    "openai": "/v1/images/generations",
}
KNOWN_PARAMETERS = {"negative_prompt", "prompt_extend", "watermark", "size", "seed"}
OPENAI_FIELDS = {"model", "prompt", "size", "n", "response_format"}
OPENAI_EXTRA = {"negative_prompt", "seed", "watermark"}
# Stand-in errors (wrong key, bad body, over the cap) in each style's words.
ERRORS = {
    "auth": (401, "InvalidApiKey", "Invalid API-key provided.", "invalid_api_key"),
    "bad": (400, "InvalidParameter", "", "invalid_request_error"),
    "cap": (429, "Throttling.RateQuota", "Requests rate limit exceeded.", "rate_limit_exceeded"),
}


def error_body(style: str, which: str, detail: str = "") -> tuple[int, dict[str, Any]]:
    status, code, message, openai_code = ERRORS[which]
    message = detail or message
    if style == "dashscope":
        return status, {"code": code, "message": message, "request_id": f"req-{which}"}
    if style == "openai":
        return status, {"error": {"message": message, "type": openai_code, "code": openai_code}}
    # The relay loses DashScope's code.
    return status, {
        "error": {"message": message, "type": "new_api_error", "code": "bad_response_status_code"}
    }


def body_problem(style: str, body: Any, schema: dict[str, Any]) -> str | None:
    if style == "openai":
        return _openai_problem(body)
    problem = _dashscope_problem(body, schema)
    if problem is None and style == "relay" and body.get("prompt") != _text(body):
        return "prompt is required (the top-level prompt, equal to the text)"
    if problem is None and style == "dashscope" and set(body) - {"model", "input", "parameters"}:
        return f"unknown fields: {sorted(set(body) - {'model', 'input', 'parameters'})}"
    return problem


def _text(body: dict[str, Any]) -> Any:
    return body["input"]["messages"][0]["content"][-1].get("text")


def _dashscope_problem(body: Any, schema: dict[str, Any]) -> str | None:
    """Stricter than the schema where the provider is: one user message, input images
    before one text, and only known parameters."""
    try:
        jsonschema.validate(body, schema["request"])
    except jsonschema.ValidationError as exc:
        return f"schema: {exc.message}"
    messages = body["input"]["messages"]
    if len(messages) != 1 or messages[0].get("role") != "user":
        return "input.messages must hold one user message"
    content = messages[0].get("content") or []
    if not content or not str(content[-1].get("text", "")).strip():
        return "content must end with one non-empty text"
    if any(set(item) != {"image"} or not item["image"] for item in content[:-1]):
        return "content before the text may hold only images"
    parameters = body.get("parameters", {})
    if unknown := set(parameters) - KNOWN_PARAMETERS:
        return f"unknown parameters: {sorted(unknown)}"
    size = parameters.get("size")
    if size is not None and ("*" not in size or not all(p.isdigit() for p in size.split("*"))):
        return f"size must look like 1328*1328, got {size!r}"
    return _seed_problem(parameters.get("seed"))


def _openai_problem(body: Any) -> str | None:
    if not isinstance(body, dict):
        return "body must be a JSON object"
    if missing := OPENAI_FIELDS - set(body):
        return f"missing fields: {sorted(missing)}"
    if unknown := set(body) - OPENAI_FIELDS - OPENAI_EXTRA:
        return f"unknown fields: {sorted(unknown)}"
    if not isinstance(body["prompt"], str) or not body["prompt"].strip():
        return "prompt must be a non-empty string"
    width, x, height = str(body["size"]).partition("x")
    if not (x and width.isdigit() and height.isdigit()):
        return f"size must look like 1328x1328, got {body['size']!r}"
    if body["n"] != 1 or body["response_format"] not in ("b64_json", "url"):
        return "n must be 1 and response_format b64_json or url"
    return _seed_problem(body.get("seed"))


def _seed_problem(seed: Any) -> str | None:
    if seed is not None and (not isinstance(seed, int) or not 0 <= seed <= 2_147_483_647):
        return "seed out of range"
    return None


def answer_body(
    style: str, items: list[dict[str, Any]], revised_prompt: str | None, request_id: str
) -> dict[str, Any]:
    """A 200 answer holding ``items`` (each ``{"url"}`` or ``{"b64_json"}``)."""
    if style == "openai":
        data = [{**item, "revised_prompt": revised_prompt} for item in items]
        if revised_prompt is None:
            data = [dict(item) for item in items]
        return {"created": int(time.time()), "data": data}
    native = {
        "output": {
            "choices": [
                {
                    "finish_reason": "stop",
                    "message": {
                        "role": "assistant",
                        "content": [{"image": item["url"]} for item in items if "url" in item],
                    },
                }
            ]
        },
        "usage": {"width": 64, "height": 64, "image_count": len(items)},
        "request_id": request_id,
    }
    if style == "dashscope":
        return native
    last: dict[str, Any] = dict(items[-1]) if items else {}
    if revised_prompt is not None:
        last["revised_prompt"] = revised_prompt
    # The relay keeps only the last image in data[]; DashScope's answer rides in metadata
    # (only URLs: DashScope never sends base64).
    answer: dict[str, Any] = {"created": int(time.time()), "data": [last] if items else []}
    if items and all("url" in item for item in items):
        answer["metadata"] = native
    return answer
