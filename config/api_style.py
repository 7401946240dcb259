"""The image API's address, key and wire format: IMAGE_API_STYLE, IMAGE_API_BASE_URL,
IMAGE_API_KEY (or its alias DASHSCOPE_API_KEY), DASHSCOPE_REGION, IMAGE_API_EXTRA_FIELDS."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from config.parsing import ConfigError, Secret
from imagecore.api.styles import OPENAI_EXTRA_FIELDS, STYLE_NAMES

__all__ = [
    "api_base_url",
    "api_extra_fields",
    "api_key",
    "api_style",
    "dashscope_region",
    "region_hint",
]

# Bailian's own endpoints; API keys are per region.
DASHSCOPE_BASES = {
    "cn": "https://dashscope.aliyuncs.com/api/v1",  # Beijing
    "intl": "https://dashscope-intl.aliyuncs.com/api/v1",  # Singapore
}
REGION_WORDS = {"cn": "cn", "beijing": "cn", "intl": "intl", "singapore": "intl"}
# Hosts reserved for documentation (RFC 2606): a base URL on one is a placeholder left in.
EXAMPLE_DOMAINS = ("example.com", "example.net", "example.org")
# Endpoint paths the bot appends itself: a base URL ending in one is a common slip.
ENDPOINTS = ("/images/generations", "/services/aigc/multimodal-generation/generation")


def api_style(env: Mapping[str, str]) -> str:
    value = env.get("IMAGE_API_STYLE", "").strip().lower() or "relay"
    if value not in STYLE_NAMES:
        raise ConfigError("IMAGE_API_STYLE", f"must be one of {', '.join(STYLE_NAMES)}")
    return value


def dashscope_region(env: Mapping[str, str], style: str) -> str:
    raw = env.get("DASHSCOPE_REGION", "").strip().lower()
    if raw and style != "dashscope":
        raise ConfigError("DASHSCOPE_REGION", "only applies with IMAGE_API_STYLE=dashscope")
    if raw and raw not in REGION_WORDS:
        raise ConfigError("DASHSCOPE_REGION", "must be cn (Beijing) or intl (Singapore)")
    return REGION_WORDS.get(raw, "cn")


def api_base_url(env: Mapping[str, str], style: str) -> str:
    """The base URL; for ``dashscope`` it defaults to DASHSCOPE_REGION's endpoint."""
    region = dashscope_region(env, style)
    raw = env.get("IMAGE_API_BASE_URL", "").strip().rstrip("/")
    if not raw and style == "dashscope":
        return DASHSCOPE_BASES[region]
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError("IMAGE_API_BASE_URL", "must be an http(s) URL such as https://host/v1")
    host = (parts.hostname or "").lower()
    if any(host == domain or host.endswith(f".{domain}") for domain in EXAMPLE_DOMAINS):
        raise ConfigError(
            "IMAGE_API_BASE_URL", f"{host} is only an example; put your image API's address here"
        )
    if parts.query or parts.fragment:
        raise ConfigError("IMAGE_API_BASE_URL", "must not carry a query or fragment")
    for endpoint in ENDPOINTS:
        if raw.endswith(endpoint):
            raise ConfigError("IMAGE_API_BASE_URL", f"is the base URL; drop {endpoint}")
    return raw


def api_key(env: Mapping[str, str]) -> Secret:
    """IMAGE_API_KEY, or DASHSCOPE_API_KEY (the name Bailian's own docs use)."""
    primary = env.get("IMAGE_API_KEY", "").strip()
    alias = env.get("DASHSCOPE_API_KEY", "").strip()
    if primary and alias and primary != alias:
        raise ConfigError(
            "IMAGE_API_KEY",
            "and DASHSCOPE_API_KEY differ; set only one",
            also=("DASHSCOPE_API_KEY",),
        )
    name, value = ("IMAGE_API_KEY", primary) if primary else ("DASHSCOPE_API_KEY", alias)
    if any(c.isspace() for c in value):
        raise ConfigError(name, "must not contain spaces")
    return Secret(value)


def api_extra_fields(env: Mapping[str, str], style: str) -> tuple[str, ...]:
    names = [p.strip() for p in env.get("IMAGE_API_EXTRA_FIELDS", "").split(",") if p.strip()]
    if names and style != "openai":
        raise ConfigError("IMAGE_API_EXTRA_FIELDS", "only applies with IMAGE_API_STYLE=openai")
    if unknown := [name for name in names if name not in OPENAI_EXTRA_FIELDS]:
        raise ConfigError(
            "IMAGE_API_EXTRA_FIELDS",
            f"may list {', '.join(OPENAI_EXTRA_FIELDS)}; not {', '.join(unknown)}",
        )
    return tuple(dict.fromkeys(names))


def region_hint(base_url: str) -> str:
    """The sentence added when DashScope refuses the key: keys are per region, and the
    other region's key is refused just like a wrong one."""
    if base_url == DASHSCOPE_BASES["intl"]:
        return (
            "API keys are per region: this bot calls Singapore (DASHSCOPE_REGION=intl); "
            "a key made in the Beijing console needs DASHSCOPE_REGION=cn."
        )
    if base_url == DASHSCOPE_BASES["cn"]:
        return (
            "API keys are per region: this bot calls Beijing; a key made in the "
            "Singapore (international) console needs DASHSCOPE_REGION=intl."
        )
    return (
        "API keys are per region: a Beijing key works only with dashscope.aliyuncs.com, "
        "a Singapore key only with dashscope-intl.aliyuncs.com."
    )
