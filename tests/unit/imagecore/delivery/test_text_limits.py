"""Cutting text down to Discord's field limits."""

from __future__ import annotations

import pytest

from imagecore.delivery.text_limits import clip, one_line


def test_text_within_the_limit_is_untouched() -> None:
    assert clip("abc", 3) == "abc"
    assert clip("", 1) == ""


@pytest.mark.parametrize("limit", [1, 2, 4, 256, 1024, 4096])
def test_clipped_text_fits_exactly_and_ends_in_an_ellipsis(limit: int) -> None:
    clipped = clip("x" * 5000, limit)
    assert len(clipped) == limit
    assert clipped.endswith("…")


def test_a_cut_drops_trailing_space_before_the_ellipsis() -> None:
    assert clip("abcdef", 4) == "abc…"
    assert clip("ab   cdef", 5) == "ab…"


def test_one_line_collapses_every_kind_of_whitespace_then_clips() -> None:
    assert one_line("a\n\n b\tc", 10) == "a b c"
    assert one_line("  a red\r\ncat  ", 5) == "a re…"
