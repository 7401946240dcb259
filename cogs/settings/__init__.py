"""/imagine-settings: moderators tune their server from Discord."""

from cogs.settings.commands import setup

__all__ = ["setup"]
