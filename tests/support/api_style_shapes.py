"""What each API style's stand-in checks and says: the body it accepts, the shape of its
answers and of its own errors. Used by :mod:`tests.support.api_standin` only."""

from __future__ import annotations

import base64
import binascii
import io
import re
import time
from typing import Any

import jsonschema
from PIL import Image

__all__ = ["PATHS", "STYLES", "answer_body", "body_problem", "error_body", "input_images"]

STYLES = ("relay", "dashscope", "openai")
PATHS = {
    "relay": "/v1/images/generations",
    "dashscope": "/v1/services/aigc/multimodal-generation/generation",
    "openai": "/v1/images/generations",
}
KNOWN_PARAMETERS = {"negative_prompt", "prompt_extend", "watermark", "size", "seed"}
OPENAI_FIELDS = {"model", "prompt", "size", "n", "response_format"}
OPENAI_EXTRA = {"negative_prompt", "seed", "watermark"}
# Edits, as Bailian's qwen-image-edit pages give them: which models take input images, how
# many, in which formats and sizes; plain qwen-image-edit takes no size or prompt_extend.
EDIT_MODELS = re.compile(r"qwen-image-(edit(-plus|-max)?|[23]\.0(-pro)?)(-[\d-]+)?")
EDIT_FORMATS = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/bmp": "BMP",
    "image/tiff": "TIFF",
    "image/webp": "WEBP",
    "image/gif": "GIF",
}
EDIT_MAX_BYTES = 10 * 1024 * 1024
EDIT_SIDES = (384, 3072)  # each input side
OUTPUT_SIDES = (512, 2048)  # each side of an edit's ``size``
DATA_URI = re.compile(r"data:(?P<mime>[\w/+.-]+);base64,(?P<data>[A-Za-z0-9+/=]*)", re.ASCII)
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
    before one text, only known parameters, and an edit's inputs and size as the edit
    models take them."""
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
    if len(content) > 1 and (problem := _edit_problem(body["model"], content, parameters)):
        return problem
    return _seed_problem(parameters.get("seed"))


def input_images(body: dict[str, Any]) -> list[bytes]:
    """The decoded bytes of an edit body's input images (data URIs), in order."""
    content = body["input"]["messages"][0]["content"]
    found = []
    for item in content[:-1]:
        match = DATA_URI.fullmatch(item["image"])
        assert match is not None, item["image"][:40]
        found.append(base64.b64decode(match["data"], validate=True))
    return found


def _edit_problem(model: str, content: list[Any], parameters: dict[str, Any]) -> str | None:
    if not EDIT_MODELS.fullmatch(str(model)):
        return f"model {model} takes no input images"
    images = content[:-1]
    if len(images) > 3:
        return f"at most 3 input images, got {len(images)}"
    for number, item in enumerate(images, 1):
        if problem := _input_problem(str(item["image"])):
            return f"image {number}: {problem}"
    base = re.sub(r"-[\d-]+$", "", str(model))
    if base == "qwen-image-edit" and {"size", "prompt_extend"} & set(parameters):
        return f"{model} takes no size or prompt_extend"
    size = parameters.get("size")
    if size is not None:
        sides = [int(p) for p in str(size).split("*")]
        if not all(OUTPUT_SIDES[0] <= side <= OUTPUT_SIDES[1] for side in sides):
            return f"size sides must be {OUTPUT_SIDES[0]}-{OUTPUT_SIDES[1]}, got {size}"
    return None


def _input_problem(image: str) -> str | None:
    if image.startswith(("https://", "http://")):
        return None
    match = DATA_URI.fullmatch(image)
    if match is None:
        return "neither a URL nor a data:<mime>;base64, URI"
    if match["mime"] not in EDIT_FORMATS:
        return f"format {match['mime']} is not accepted"
    try:
        data = base64.b64decode(match["data"], validate=True)
    except binascii.Error:
        return "base64 does not decode"
    if len(data) > EDIT_MAX_BYTES:
        return f"{len(data)} bytes is over 10 MB"
    try:
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()
            fmt, (width, height) = opened.format, opened.size
    except (OSError, ValueError, Image.DecompressionBombError):
        return "does not decode as an image"
    if fmt != EDIT_FORMATS[match["mime"]]:
        return f"says {match['mime']} but holds {fmt}"
    low, high = EDIT_SIDES
    if not all(low <= side <= high for side in (width, height)):
        return f"{width}x{height}: each side must be {low}-{high} px"
    return None


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
