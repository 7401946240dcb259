"""One frozen settings object; nothing else in the bot reads ``os.environ``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from config.api_style import (
    api_base_url,
    api_extra_fields,
    api_key,
    api_style,
    dashscope_region,
    region_hint,
)
from config.parsing import (
    ConfigError,
    Secret,
    boolean,
    integer,
    missing_variables,
    number,
    parse_address,
    size,
    sizes,
)
from imagecore.api.styles import ApiStyle, make_style
from imagecore.editing.capabilities import (
    MODELS,
    ModelCapabilities,
    capabilities_for,
    parse_overrides,
)

__all__ = ["ConfigError", "Secret", "Settings", "describe_api", "load_settings"]

DEFAULT_SIZES = ("1664*928", "1472*1104", "1328*1328", "1104*1472", "928*1664")
REQUIRED = ("DISCORD_TOKEN", "IMAGE_API_BASE_URL", "IMAGE_API_KEY")  # for the relay style
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("text", "json")


@dataclass(frozen=True, slots=True)
class Settings:
    discord_token: Secret
    image_api_base_url: str
    image_api_key: Secret
    image_model: str = "qwen-image"
    image_api_timeout: float = 120.0
    image_sizes: tuple[str, ...] = DEFAULT_SIZES
    default_size: str = "1328*1328"
    default_negative_prompt: str = ""
    default_prompt_extend: bool = True
    default_watermark: bool = False
    discord_guild_ids: tuple[int, ...] = ()
    image_api_concurrency: int = 2
    image_api_rate: float = 2.0
    max_pending_per_user: int = 3
    data_dir: Path = field(default_factory=lambda: Path("data"))
    log_level: str = "INFO"
    image_models: tuple[str, ...] = ("qwen-image",)
    image_edit_model: str = "qwen-image-edit-plus"  # /imagine-edit
    image_edit_models: tuple[str, ...] = ("qwen-image-edit-plus",)  # moderators' choices
    # What each model takes, where the self-hoster overrides the built-in table.
    model_capabilities: Mapping[str, ModelCapabilities] = field(default_factory=dict)
    database_url: Secret = field(default_factory=lambda: Secret("sqlite:///data/bot.db"))
    history_days: int = 90
    allow_dms: bool = False
    cooldown_seconds: int = 0
    user_daily_images: int | None = None
    max_images_per_request: int = 4
    image_api_style: str = "relay"  # relay, dashscope or openai
    image_api_extra_fields: tuple[str, ...] = ()  # openai only
    dashscope_region: str = "cn"  # cn (Beijing) or intl (Singapore); dashscope only
    metrics_addr: tuple[str, int] | None = None  # /healthz and /metrics; off when None
    log_format: str = "text"  # text or json

    def api_style(self) -> ApiStyle:
        """The wire format the image client speaks."""
        return make_style(
            self.image_api_style,
            extra_fields=self.image_api_extra_fields,
            region_hint=region_hint(self.image_api_base_url),
            models=self.model_capabilities,
        )

    @property
    def generations_url(self) -> str:
        """The full URL generation requests are POSTed to, for the configured style."""
        return f"{self.image_api_base_url}{self.api_style().path}"


def _timeout(env: Mapping[str, str]) -> float:
    raw = env.get("IMAGE_API_TIMEOUT", "").strip()
    if not raw:
        return 120.0
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(
            "IMAGE_API_TIMEOUT", f"must be a number of seconds, got {raw!r}"
        ) from None
    # Past 14 minutes the interaction token would expire before the answer is posted.
    if not 1 <= value <= 840:
        raise ConfigError("IMAGE_API_TIMEOUT", "must be between 1 and 840 seconds")
    return value


def _guild_ids(env: Mapping[str, str]) -> tuple[int, ...]:
    raw = env.get("DISCORD_GUILD_IDS", "").strip()
    ids: list[int] = []
    for part in filter(None, (p.strip() for p in raw.split(","))):
        if not part.isdigit() or not 15 <= len(part) <= 21:
            raise ConfigError(
                "DISCORD_GUILD_IDS", f"must be server ids separated by commas, got {part!r}"
            )
        ids.append(int(part))
    return tuple(dict.fromkeys(ids))


def _default_size(env: Mapping[str, str], image_sizes: tuple[str, ...]) -> str:
    raw = env.get("DEFAULT_SIZE", "").strip()
    if not raw:
        # Left empty, it follows IMAGE_SIZES rather than fail on a list without the square.
        return "1328*1328" if "1328*1328" in image_sizes else image_sizes[0]
    value = size("DEFAULT_SIZE", raw)
    if value not in image_sizes:
        raise ConfigError(
            "DEFAULT_SIZE", f"{value} is not one of IMAGE_SIZES ({', '.join(image_sizes)})"
        )
    return value


MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-/]{0,99}")


def _model(env: Mapping[str, str]) -> str:
    value = env.get("IMAGE_MODEL", "").strip() or "qwen-image"
    if not MODEL_NAME.fullmatch(value):
        raise ConfigError("IMAGE_MODEL", f"is not a model name, got {value!r}")
    return value


def _models(
    env: Mapping[str, str], default_model: str, variable: str = "IMAGE_MODELS"
) -> tuple[str, ...]:
    names = [part.strip() for part in env.get(variable, "").split(",") if part.strip()]
    for name in names:
        if not MODEL_NAME.fullmatch(name):
            raise ConfigError(variable, f"is not a list of model names, got {name!r}")
    if len(names) > 25:
        raise ConfigError(variable, "may list at most 25 models")
    # The bot's own model is always allowed.
    return tuple(dict.fromkeys([default_model, *names]))


def _capabilities(env: Mapping[str, str]) -> dict[str, ModelCapabilities]:
    try:
        return parse_overrides(env.get("IMAGE_MODEL_CAPABILITIES", ""))
    except ValueError as exc:
        raise ConfigError("IMAGE_MODEL_CAPABILITIES", str(exc)) from None


def _edit_model(env: Mapping[str, str], table: Mapping[str, ModelCapabilities]) -> str:
    value = env.get("IMAGE_EDIT_MODEL", "").strip() or "qwen-image-edit-plus"
    if not MODEL_NAME.fullmatch(value):
        raise ConfigError("IMAGE_EDIT_MODEL", f"is not a model name, got {value!r}")
    _must_edit("IMAGE_EDIT_MODEL", value, table)
    return value


def _edit_models(
    env: Mapping[str, str], default_model: str, table: Mapping[str, ModelCapabilities]
) -> tuple[str, ...]:
    names = _models(env, default_model, "IMAGE_EDIT_MODELS")
    for name in names:
        _must_edit("IMAGE_EDIT_MODELS", name, table)
    return names


def _must_edit(variable: str, model: str, table: Mapping[str, ModelCapabilities]) -> None:
    # Every edit would be refused by a model that takes no input images.
    if not capabilities_for(model, table).edits:
        known = ", ".join(name for name, caps in {**MODELS, **table}.items() if caps.edits)
        raise ConfigError(variable, f"must name models that edit ({known}), got {model!r}")


def _database_url(env: Mapping[str, str], data_dir: Path) -> Secret:
    raw = env.get("DATABASE_URL", "").strip()
    if not raw:
        return Secret(f"sqlite:///{data_dir / 'bot.db'}")
    scheme = raw.partition(":")[0].lower()
    if scheme not in ("sqlite", "postgresql", "postgres") and not scheme.startswith(
        ("sqlite+", "postgresql+")
    ):
        raise ConfigError("DATABASE_URL", "must start with sqlite:/// or postgresql://")
    return Secret(raw)


def _log_level(env: Mapping[str, str]) -> str:
    value = env.get("LOG_LEVEL", "").strip().upper() or "INFO"
    if value not in LOG_LEVELS:
        raise ConfigError("LOG_LEVEL", f"must be one of {', '.join(LOG_LEVELS)}")
    return value


def _log_format(env: Mapping[str, str]) -> str:
    value = env.get("LOG_FORMAT", "").strip().lower() or "text"
    if value not in LOG_FORMATS:
        raise ConfigError("LOG_FORMAT", f"must be one of {', '.join(LOG_FORMATS)}")
    return value


def _metrics_addr(env: Mapping[str, str]) -> tuple[str, int] | None:
    value = env.get("METRICS_ADDR", "").strip()
    if not value:
        return None
    try:
        return parse_address(value)
    except ValueError:
        raise ConfigError("METRICS_ADDR", "must be host:port, such as 127.0.0.1:9108") from None


def _token(env: Mapping[str, str]) -> Secret:
    value = env["DISCORD_TOKEN"].strip()
    # A bot token is three dot-separated base64 parts; catching a pasted client secret early
    # gives a clearer message than Discord's 401.
    if value.count(".") != 2 or any(c.isspace() for c in value):
        raise ConfigError(
            "DISCORD_TOKEN", "does not look like a bot token (three parts joined by dots)"
        )
    return Secret(value)


def load_settings(env: Mapping[str, str]) -> Settings:
    """Build settings from ``env``; raises ConfigError naming the first bad variable."""
    # Required variables first, so a fresh install hears about all of them before anything else.
    style = api_style(env)
    missing = missing_variables(env, ("DISCORD_TOKEN",))
    if style != "dashscope":  # DashScope's own address is known
        missing += missing_variables(env, ("IMAGE_API_BASE_URL",))
    if not any(env.get(name, "").strip() for name in ("IMAGE_API_KEY", "DASHSCOPE_API_KEY")):
        missing.append("IMAGE_API_KEY")
    if missing:
        first, *rest = missing
        verb = "are" if rest else "is"
        raise ConfigError(first, f"{verb} required but not set", also=tuple(rest))
    token, base_url, key = _token(env), api_base_url(env, style), api_key(env)
    image_sizes = sizes(env, "IMAGE_SIZES", DEFAULT_SIZES)
    default_size = _default_size(env, image_sizes)
    negative = env.get("DEFAULT_NEGATIVE_PROMPT", "").strip()
    if len(negative) > 500:
        raise ConfigError("DEFAULT_NEGATIVE_PROMPT", "must be at most 500 characters")
    data_dir = env.get("DATA_DIR", "").strip() or "data"
    model = _model(env)
    table = _capabilities(env)
    edit_model = _edit_model(env, table)
    user_daily = env.get("USER_DAILY_IMAGES", "").strip()
    return Settings(
        discord_token=token,
        image_api_base_url=base_url,
        image_api_key=key,
        image_model=model,
        image_api_timeout=_timeout(env),
        image_sizes=image_sizes,
        default_size=default_size,
        default_negative_prompt=negative,
        default_prompt_extend=boolean(env, "DEFAULT_PROMPT_EXTEND", True),
        default_watermark=boolean(env, "DEFAULT_WATERMARK", False),
        discord_guild_ids=_guild_ids(env),
        image_api_concurrency=integer(env, "IMAGE_API_CONCURRENCY", 2, 1, 64),
        image_api_rate=number(env, "IMAGE_API_RATE", 2.0, 0.1, 100.0),
        max_pending_per_user=integer(env, "MAX_PENDING_PER_USER", 3, 1, 100),
        data_dir=Path(data_dir),
        log_level=_log_level(env),
        image_models=_models(env, model),
        image_edit_model=edit_model,
        image_edit_models=_edit_models(env, edit_model, table),
        model_capabilities=table,
        database_url=_database_url(env, Path(data_dir)),
        history_days=integer(env, "HISTORY_DAYS", 90, 1, 3650),
        allow_dms=boolean(env, "ALLOW_DMS", False),
        cooldown_seconds=integer(env, "COOLDOWN_SECONDS", 0, 0, 86400),
        user_daily_images=integer(env, "USER_DAILY_IMAGES", 0, 1, 100000) if user_daily else None,
        # Discord carries at most 10 attachments; the provider's models make 1 per call.
        max_images_per_request=integer(env, "MAX_IMAGES_PER_REQUEST", 4, 1, 10),
        image_api_style=style,
        image_api_extra_fields=api_extra_fields(env, style),
        dashscope_region=dashscope_region(env, style),
        metrics_addr=_metrics_addr(env),
        log_format=_log_format(env),
    )


def describe_api(settings: Settings) -> str:
    """Where images are requested, for the log at start: no cheap test request exists
    (every call costs an image), so the owner at least sees where they go. Never the key."""
    return (
        f"image API: {settings.image_api_style} style, POST {settings.generations_url}, "
        f"model {settings.image_model}"
    )
