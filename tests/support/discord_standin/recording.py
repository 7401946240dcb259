"""What went over the wire: every HTTP request the bot made, with its parsed body."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, web

from .models import UploadedFile

log = logging.getLogger(__name__)


@dataclass(eq=False)
class RecordedRequest:
    method: str
    path: str  # full path, e.g. /api/v10/channels/1/messages
    route: str | None  # template relative to the API base, e.g. /channels/{channel_id}/messages
    query: dict[str, str]
    json: Any  # JSON body, or the decoded ``payload_json`` of a multipart body
    files: list[UploadedFile]
    headers: dict[str, str]
    at: float  # stand-in clock
    status: int | None = None
    response: Any = None
    unknown_route: bool = False
    match_info: dict[str, str] = field(default_factory=dict)

    @property
    def payload(self) -> Any:
        """The JSON the client sent, whether as a plain body or as ``payload_json``."""
        return self.json

    @property
    def is_multipart(self) -> bool:
        return bool(self.files) or self.headers.get("Content-Type", "").startswith("multipart/")

    def __repr__(self) -> str:
        return f"<RecordedRequest {self.method} {self.path} -> {self.status}>"


async def parse_body(request: web.Request) -> tuple[Any, list[UploadedFile]]:
    """Decode JSON or multipart (``payload_json`` + ``files[n]``) bodies.

    Parsing happens once, in the middleware, so handlers and the request log see the
    same thing.
    """
    if not request.body_exists:
        return None, []
    content_type = request.content_type
    if content_type.startswith("multipart/"):
        payload: Any = None
        files: list[UploadedFile] = []
        reader = await request.multipart()
        while True:
            part = await reader.next()
            if part is None:
                break
            if not isinstance(part, BodyPartReader):
                continue  # nested multipart: Discord doesn't accept it either
            data = await part.read(decode=False)
            name = part.name or ""
            if name == "payload_json":
                payload = json.loads(data.decode("utf-8"))
            elif part.filename is not None:
                files.append(
                    UploadedFile(
                        field_name=name,
                        filename=part.filename,
                        content_type=part.headers.get("Content-Type"),
                        data=bytes(data),
                    )
                )
            else:
                log.debug("ignoring multipart field %r without a file name", name)
        return payload, files
    raw = await request.read()
    if not raw:
        return None, []
    if content_type == "application/json":
        return json.loads(raw.decode("utf-8")), []
    return raw, []
