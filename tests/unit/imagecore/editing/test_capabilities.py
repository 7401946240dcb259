"""The per-model table: each request carries only what its model takes."""

from __future__ import annotations

import pytest

from imagecore.editing.capabilities import capabilities_for, parse_overrides


def test_plain_edit_takes_no_size_and_no_prompt_extend() -> None:
    edit = capabilities_for("qwen-image-edit")
    assert edit.edits and not edit.generates
    assert edit.max_outputs == 1
    assert edit.parameter_names() == {"negative_prompt", "seed", "watermark"}


def test_edit_plus_takes_a_custom_size_within_its_sides_and_several_outputs() -> None:
    plus = capabilities_for("qwen-image-edit-plus")
    assert plus.parameter_names() == {
        "n",
        "size",
        "prompt_extend",
        "negative_prompt",
        "seed",
        "watermark",
    }
    assert plus.max_inputs == 3
    assert plus.accepts_size("1024*1536")
    assert not plus.accepts_size("256*1024")  # a side under 512
    assert not plus.accepts_size("1024x1024")  # the provider's separator is *


def test_generation_models_make_one_image_at_listed_sizes() -> None:
    for model in ("qwen-image", "qwen-image-plus", "qwen-image-max"):
        caps = capabilities_for(model)
        assert caps.generates and not caps.edits
        assert "n" not in caps.parameter_names()
        assert not caps.accepts_size("1024*1024")


def test_a_dated_snapshot_is_its_familys_and_an_unknown_model_the_narrowest() -> None:
    assert capabilities_for("qwen-image-edit-plus-2025-10-30") == capabilities_for(
        "qwen-image-edit-plus"
    )
    assert capabilities_for("Qwen-Image-Edit") == capabilities_for("qwen-image-edit")
    unknown = capabilities_for("someone-elses-model")
    assert unknown == capabilities_for("qwen-image")
    assert not unknown.edits


def test_overrides_change_only_what_they_name() -> None:
    overrides = parse_overrides("qwen-image-edit:size=true;max_outputs=4, my-edit:edits=true")
    edit = capabilities_for("qwen-image-edit", overrides)
    assert edit.size and edit.max_outputs == 4
    assert not edit.prompt_extend  # untouched
    assert capabilities_for("my-edit", overrides).edits


@pytest.mark.parametrize(
    "raw", ["qwen-image-edit", "x:colour=red", "x:size=maybe", "x:max_outputs=99", ":size=true"]
)
def test_malformed_overrides_are_refused(raw: str) -> None:
    with pytest.raises(ValueError):
        parse_overrides(raw)
