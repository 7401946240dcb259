"""Reading single environment variables; every error names the variable it is about."""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = [
    "ConfigError",
    "Secret",
    "boolean",
    "check_required",
    "integer",
    "missing_variables",
    "number",
    "parse_address",
    "size",
    "sizes",
]

SIZE_PATTERN = re.compile(r"[1-9][0-9]{2,4}\*[1-9][0-9]{2,4}")
# 1024x1024 is how most image APIs write sizes, but the provider refuses it.
X_SIZE = re.compile(r"([1-9][0-9]{2,4})\s*[xX×]\s*([1-9][0-9]{2,4})")
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


class ConfigError(ValueError):
    """A missing or malformed variable; the message names it and nothing secret.

    ``variable`` is the first variable at fault, ``variables`` all of them (several
    required ones can be missing at once, and a fresh install should hear of all).
    """

    def __init__(self, variable: str, problem: str, *, also: tuple[str, ...] = ()) -> None:
        self.variable = variable
        self.variables = (variable, *also)
        super().__init__(f"{', '.join(self.variables)}: {problem} (see .env.example)")


class Secret:
    """Holds a token or key so that it never shows up in a repr, log line or traceback."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def missing_variables(env: Mapping[str, str], names: tuple[str, ...]) -> list[str]:
    """The ``names`` that are unset or empty, in order."""
    return [name for name in names if not env.get(name, "").strip()]


def check_required(env: Mapping[str, str], names: tuple[str, ...]) -> None:
    """Raise one error naming every required variable that is unset or empty."""
    missing = missing_variables(env, names)
    if missing:
        first, *rest = missing
        verb = "are" if rest else "is"
        raise ConfigError(first, f"{verb} required but not set", also=tuple(rest))


def boolean(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in TRUE_WORDS:
        return True
    if raw in FALSE_WORDS:
        return False
    raise ConfigError(name, f"must be true or false, got {raw!r}")


def number(env: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(name, f"must be a number, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(name, f"must be between {low:g} and {high:g}")
    return value


def integer(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    value = number(env, name, default, low, high)
    if value != int(value):
        raise ConfigError(name, "must be a whole number")
    return int(value)


def size(name: str, raw: str) -> str:
    value = raw.strip()
    if SIZE_PATTERN.fullmatch(value):
        return value
    if found := X_SIZE.fullmatch(value):
        width, height = found.groups()
        raise ConfigError(
            name, f"write sizes with *, as in {width}*{height}: the image API refuses {value!r}"
        )
    raise ConfigError(name, f"sizes look like 1328*1328, got {value!r}")


def sizes(env: Mapping[str, str], name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    parts = [part for part in raw.split(",") if part.strip()]
    found = tuple(dict.fromkeys(size(name, part) for part in parts))
    if not found:
        raise ConfigError(name, "must list at least one size")
    if len(found) > 25:
        # Discord allows at most 25 choices for an option.
        raise ConfigError(name, "may list at most 25 sizes")
    return found


def parse_address(value: str) -> tuple[str, int]:
    """``host:port`` (IPv6 in brackets) into its parts; ValueError if it is not one."""
    host, colon, port = value.strip().rpartition(":")
    host = host.strip("[]")
    if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"expected host:port such as 127.0.0.1:9108, got {value!r}")
    return host, int(port)
