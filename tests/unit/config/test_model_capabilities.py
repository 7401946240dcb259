"""IMAGE_MODEL_CAPABILITIES: a self-hoster's corrections to the model table reach the
request body and the start-up checks."""

from __future__ import annotations

import pytest

from config import ConfigError, load_settings
from imagecore.api.request import ImageRequest

BASE = {
    "DISCORD_TOKEN": "MTAx.Gg1234.abcdefghijklmnopqrstuvwxyz",
    "IMAGE_API_BASE_URL": "https://relay.test/v1",
    "IMAGE_API_KEY": "sk-0123456789abcdef",
}


def settings(**env: str):
    return load_settings({**BASE, **env})


def request(model: str) -> ImageRequest:
    return ImageRequest("a fox", model, "1024*1024", prompt_extend=True, watermark=False, seed=3)


def test_a_model_that_takes_no_size_gets_none():
    body = settings().api_style().build_body(request("qwen-image-edit"))
    assert set(body["parameters"]) == {"watermark", "seed"}


def test_an_override_adds_what_the_model_takes():
    style = settings(IMAGE_MODEL_CAPABILITIES="qwen-image-edit:size=true").api_style()
    assert "size" in style.build_body(request("qwen-image-edit"))["parameters"]


def test_an_unknown_model_made_an_edit_model_may_be_the_edit_model():
    config = settings(
        IMAGE_MODEL_CAPABILITIES="my-edit:edits=true;max_inputs=3", IMAGE_EDIT_MODEL="my-edit"
    )
    assert config.image_edit_model == "my-edit"
    with pytest.raises(ConfigError, match="IMAGE_EDIT_MODEL"):
        settings(IMAGE_EDIT_MODEL="my-edit")


def test_a_malformed_override_names_the_variable():
    with pytest.raises(ConfigError, match="IMAGE_MODEL_CAPABILITIES"):
        settings(IMAGE_MODEL_CAPABILITIES="qwen-image-edit:colour=blue")


def test_edit_models_must_all_edit():
    with pytest.raises(ConfigError, match="IMAGE_EDIT_MODELS"):
        settings(IMAGE_EDIT_MODELS="qwen-image-edit-max,qwen-image-plus")
    assert settings(IMAGE_EDIT_MODELS="qwen-image-edit-max").image_edit_models == (
        "qwen-image-edit-plus",
        "qwen-image-edit-max",
    )
