"""Helpers every cog shares: private replies, member-facing sentences, the moderator log.
Nothing here imports a feature cog."""
