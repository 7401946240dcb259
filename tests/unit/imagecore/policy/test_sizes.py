"""Size labels: the provider's ``W*H`` strings as members read them."""

from __future__ import annotations

import pytest

from imagecore.policy.sizes import size_label, size_pixels


@pytest.mark.parametrize(
    ("size", "label"),
    [
        ("1328*1328", "1:1 square · 1328×1328"),
        ("1664*928", "16:9 landscape · 1664×928"),  # 1.79: only near 16:9
        ("928*1664", "9:16 portrait · 928×1664"),
        ("1472*1104", "4:3 landscape · 1472×1104"),
        ("1140*1472", "3:4 portrait · 1140×1472"),
        ("1000*300", "landscape · 1000×300"),  # no familiar ratio within 4 %
    ],
)
def test_size_labels(size: str, label: str) -> None:
    assert size_label(size) == label


def test_size_pixels_splits_width_and_height() -> None:
    assert size_pixels("1664*928") == (1664, 928)
    with pytest.raises(ValueError):
        size_pixels("1664x928")
