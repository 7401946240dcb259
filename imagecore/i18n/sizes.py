"""Size names (``"16:9 landscape · 1664×928"``) in the reader's language.

The shape and ratio are worked out once, by ``imagecore.policy.sizes.size_label``; this
reads its English parts back and says them with the catalog's words.
"""

from __future__ import annotations

import re

from imagecore.i18n.catalogs import Language, Message
from imagecore.i18n.markers import N_
from imagecore.policy.sizes import size_label

__all__ = ["SIZE_API_FORM", "localized_size_label", "size_message"]

# The API's form of a size, as choices carry it in their value: "1664*928".
SIZE_API_FORM = re.compile(r"[0-9]{1,5}\*[0-9]{1,5}")

_ENGLISH_LABEL = re.compile(
    r"(?:(?P<ratio>[0-9]+:[0-9]+) )?(?P<shape>square|landscape|portrait) · "
    r"(?P<width>[0-9]+)×(?P<height>[0-9]+)"
)

_WITH_RATIO = {
    # Translators: a size choice; {ratio} is like 16:9, {width} and {height} are pixels.
    "square": N_("{ratio} square · {width}×{height}"),
    "landscape": N_("{ratio} landscape · {width}×{height}"),
    "portrait": N_("{ratio} portrait · {width}×{height}"),
}
_WITHOUT_RATIO = {
    # Translators: a size choice whose shape is near no familiar ratio.
    "square": N_("square · {width}×{height}"),
    "landscape": N_("landscape · {width}×{height}"),
    "portrait": N_("portrait · {width}×{height}"),
}


def localized_size_label(language: Language, size: str) -> str:
    """``"1664*928"`` → ``"16:9 横向 · 1664×928"`` for zh-CN; English as ``size_label``."""
    return language.say(size_message(size))


def size_message(size: str) -> Message | str:
    """The size's name still to be said, so it can sit inside another sentence."""
    english = size_label(size)
    parts = _ENGLISH_LABEL.fullmatch(english)
    if parts is None:
        return english
    ratio, shape = parts["ratio"], parts["shape"]
    sentence = _WITH_RATIO[shape] if ratio else _WITHOUT_RATIO[shape]
    # Strings, not numbers: pixel counts are written without a thousands separator.
    values = {"ratio": ratio or "", "width": parts["width"], "height": parts["height"]}
    return Message(sentence, values)
