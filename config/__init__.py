"""Typed settings built once from the environment (and `.env`)."""

from config.parsing import ConfigError, Secret
from config.settings import Settings, load_settings

__all__ = ["ConfigError", "Secret", "Settings", "load_settings"]
