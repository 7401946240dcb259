"""Typed settings built once from the environment (and `.env`)."""

from config.settings import ConfigError, Secret, Settings, load_settings

__all__ = ["ConfigError", "Secret", "Settings", "load_settings"]
