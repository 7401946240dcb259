"""Check recorded traffic against Discord's OpenAPI description (v10).

Two uses: prove the stand-in answers in Discord's shapes (responses), and catch a bot
sending bodies Discord would reject (requests). Only JSON bodies are checked; for
multipart requests the ``payload_json`` part is checked against the JSON schema.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from .recording import RecordedRequest

_SPEC_URI = "urn:discord-openapi"
# Discord's official OpenAPI description (v10), vendored with its licence.
VENDORED_SPEC = Path(__file__).resolve().parent.parent / "contract" / "discord" / "openapi.json"


@dataclass(frozen=True)
class SpecProblem:
    method: str
    path: str
    where: str  # "request" or "response"
    location: str  # JSON path inside the body
    message: str

    def __str__(self) -> str:
        return (
            f"{self.method} {self.path} {self.where} at {self.location or '<root>'}: {self.message}"
        )


def _as_discord_reads_it(body: Any) -> Any:
    """Undo the one liberty discord.py takes that Discord accepts: it sends the
    ``attachments[].id`` of new uploads as integers (file indexes), the spec says
    snowflake strings."""
    if isinstance(body, dict):
        out = {key: _as_discord_reads_it(value) for key, value in body.items()}
        attachments = out.get("attachments")
        if isinstance(attachments, list):
            out["attachments"] = [
                {**a, "id": str(a["id"])}
                if isinstance(a, dict) and isinstance(a.get("id"), int)
                else a
                for a in attachments
            ]
        return out
    if isinstance(body, list):
        return [_as_discord_reads_it(item) for item in body]
    return body


class DiscordSpec:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        resource = Resource.from_contents(document, default_specification=DRAFT202012)
        self._registry = Registry().with_resource(_SPEC_URI, resource)

    @classmethod
    def load(cls, path: str | Path) -> DiscordSpec:
        return cls(json.loads(Path(path).read_text(encoding="utf-8")))

    @cached_property
    def _routes(self) -> list[tuple[re.Pattern[str], str]]:
        routes = []
        for template in self.document["paths"]:
            pattern = re.escape(template)
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", pattern)
            routes.append((re.compile(f"^{pattern}$"), template))
        # Prefer literal segments ("/messages/@original") over placeholders.
        routes.sort(key=lambda r: r[1].count("{"))
        return routes

    def operation(self, method: str, api_path: str) -> dict[str, Any] | None:
        for pattern, template in self._routes:
            if pattern.match(api_path):
                return self.document["paths"][template].get(method.lower())
        return None

    def _schema_errors(self, schema: dict[str, Any], instance: Any) -> list[tuple[str, str]]:
        validator = Draft202012Validator(schema, registry=self._registry)
        out = []
        for error in validator.iter_errors(instance):
            # For oneOf/anyOf failures the useful part is the closest branch's error.
            detail = best_match(error.context) if error.context else error
            where = "/".join(str(p) for p in detail.absolute_path)
            out.append((where, detail.message[:300]))
        return out

    def _resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        # Point local "#/components/..." refs at the registered document.
        text = json.dumps(schema).replace('"$ref": "#/', f'"$ref": "{_SPEC_URI}#/')
        return json.loads(text)

    def check(self, request: RecordedRequest, api_prefix: str = "/api/v10") -> list[SpecProblem]:
        if not request.path.startswith(api_prefix) or request.unknown_route:
            return []
        api_path = request.path[len(api_prefix) :]
        operation = self.operation(request.method, api_path)
        if operation is None:
            return [SpecProblem(request.method, api_path, "route", "", "not in the OpenAPI spec")]
        problems: list[SpecProblem] = []
        body_spec = (operation.get("requestBody") or {}).get("content", {})
        if request.json is not None and "application/json" in body_spec:
            schema = self._resolve(body_spec["application/json"]["schema"])
            body = _as_discord_reads_it(request.json)
            for location, message in self._schema_errors(schema, body):
                problems.append(SpecProblem(request.method, api_path, "request", location, message))
        status = request.status
        if status is not None and 200 <= status < 300 and request.response is not None:
            response = operation.get("responses", {}).get(str(status), {})
            content = response.get("content", {}).get("application/json")
            if content is not None:
                schema = self._resolve(content["schema"])
                for location, message in self._schema_errors(schema, request.response):
                    problems.append(
                        SpecProblem(request.method, api_path, "response", location, message)
                    )
        return problems

    def check_all(self, requests: list[RecordedRequest]) -> list[SpecProblem]:
        return [problem for request in requests for problem in self.check(request)]
