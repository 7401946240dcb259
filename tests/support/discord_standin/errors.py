"""Error bodies exactly as Discord sends them, and the errors the test helpers raise.

Two kinds of failure live here:
- ``DiscordAPIError``: what the *bot* sees over HTTP (status + ``{"message", "code"}``),
  turned into a JSON response by the server middleware.
- ``StandInError`` subclasses: raised in the *test* when it asks for something a real
  Discord client would not let a user do (invoke a hidden command, pick a bad choice).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class DiscordAPIError(Exception):
    """An HTTP error response in Discord's shape."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        *,
        errors: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{status} {message} (code {code})")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors is not None:
            body["errors"] = self.errors
        body.update(self.extra)
        return body


class FormErrors:
    """Collects field errors into Discord's nested ``errors`` object (code 50035)."""

    def __init__(self) -> None:
        self.tree: dict[str, Any] = {}

    def add(self, path: Sequence[str | int], code: str, message: str) -> None:
        node = self.tree
        for key in path:
            node = node.setdefault(str(key), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def __bool__(self) -> bool:
        return bool(self.tree)

    def raise_if_any(self, prefix: Sequence[str | int] = ()) -> None:
        if not self.tree:
            return
        tree: dict[str, Any] = self.tree
        for key in reversed(prefix):
            tree = {str(key): tree}
        raise DiscordAPIError(400, 50035, "Invalid Form Body", errors=tree)


def max_length(errors: FormErrors, path: Sequence[str | int], limit: int) -> None:
    errors.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def bad_length(errors: FormErrors, path: Sequence[str | int], low: int, high: int) -> None:
    errors.add(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")


# The fixed bodies the brief's rules require, spelled once.
def unknown_interaction() -> DiscordAPIError:
    return DiscordAPIError(404, 10062, "Unknown interaction")


def already_acknowledged() -> DiscordAPIError:
    return DiscordAPIError(400, 40060, "Interaction has already been acknowledged.")


def invalid_webhook_token() -> DiscordAPIError:
    return DiscordAPIError(401, 50027, "Invalid Webhook Token")


def unknown_webhook() -> DiscordAPIError:
    return DiscordAPIError(404, 10015, "Unknown Webhook")


def unknown_message() -> DiscordAPIError:
    return DiscordAPIError(404, 10008, "Unknown Message")


def unknown_channel() -> DiscordAPIError:
    return DiscordAPIError(404, 10003, "Unknown Channel")


def unknown_guild() -> DiscordAPIError:
    return DiscordAPIError(404, 10004, "Unknown Guild")


def unknown_member() -> DiscordAPIError:
    return DiscordAPIError(404, 10007, "Unknown Member")


def unknown_user() -> DiscordAPIError:
    return DiscordAPIError(404, 10013, "Unknown User")


def unknown_command() -> DiscordAPIError:
    return DiscordAPIError(404, 10063, "Unknown application command")


def unauthorized() -> DiscordAPIError:
    return DiscordAPIError(401, 0, "401: Unauthorized")


def missing_access() -> DiscordAPIError:
    return DiscordAPIError(403, 50001, "Missing Access")


def missing_permissions() -> DiscordAPIError:
    return DiscordAPIError(403, 50013, "Missing Permissions")


def empty_message() -> DiscordAPIError:
    return DiscordAPIError(400, 50006, "Cannot send an empty message")


def entity_too_large() -> DiscordAPIError:
    return DiscordAPIError(413, 40005, "Request entity too large")


class StandInError(Exception):
    """Base for errors raised in the test by the stand-in's helpers."""


class NoGatewayConnected(StandInError):
    """An interaction was requested but no bot is connected to the gateway."""


class CommandNotAvailable(StandInError):
    """The user's Discord client would not offer this command here (unknown, wrong guild,
    wrong context, or not yet registered)."""


class MissingCommandPermissions(StandInError):
    """The member lacks the command's ``default_member_permissions``: Discord hides it."""


class InvalidOptions(StandInError):
    """The options cannot be entered in Discord's UI (unknown, wrong type, out of range,
    not a listed choice, or a required one missing)."""


class ComponentNotFound(StandInError):
    """The message has no enabled component with that ``custom_id`` (or is gone)."""
