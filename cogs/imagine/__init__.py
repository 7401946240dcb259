"""/imagine: the command, the job that carries a request through the queue, its Cancel
button and result card."""

from cogs.imagine.command import setup

__all__ = ["setup"]
