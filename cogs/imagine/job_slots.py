"""The images of one request, each on its own ticket, and how an image's run can end."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from imagecore.api.client import GeneratedImage
    from imagecore.api.request import ImageRequest
    from imagecore.queue import Ticket
    from imagecore.storage import AttemptRecord

__all__ = ["Failure", "JobFailed", "Slot"]


class JobFailed(Exception):
    """Raised from an image's run after its failure was noted: the queue counts it as
    failed, so quick failures don't make its wait estimates optimistic."""


@dataclass(slots=True)
class Failure:
    status: str  # the history status it would give the whole request
    error_class: str | None
    sentence: str | None  # None: nothing to tell (the member cancelled)


@dataclass(slots=True)
class Slot:
    """One image of the request."""

    request: ImageRequest
    ticket: Ticket | None = None
    image: GeneratedImage | None = None
    # More images of the same answer (the relay's metadata can hold several): the provider
    # made, and billed, them too, so they are posted with the rest.
    extra: tuple[GeneratedImage, ...] = ()
    failure: Failure | None = None
    attempts: tuple[AttemptRecord, ...] = ()

    def drop_bytes(self) -> None:
        """The image is posted (or can't be): keep what history needs, not its bytes. A
        finished job may be referenced for a while yet (its ticket, its views)."""
        if self.image is not None:
            self.image = replace(self.image, data=b"")
        self.extra = tuple(replace(image, data=b"") for image in self.extra)

    @property
    def images(self) -> tuple[GeneratedImage, ...]:
        return () if self.image is None else (self.image, *self.extra)

    @property
    def settled(self) -> bool:
        return self.image is not None or self.failure is not None
