from __future__ import annotations

import logging

import pytest

from imagecore.api.errors import parse_retry_after
from imagecore.api.request import ImageRequest
from imagecore.delivery.text_limits import clip, one_line
from imagecore.policy.sizes import size_label
from runtime.command_sync import SyncState, commands_fingerprint
from runtime.log_redaction import RedactSecrets


@pytest.mark.parametrize(
    ("size", "label"),
    [
        ("1328*1328", "1:1 square · 1328×1328"),
        ("1664*928", "16:9 landscape · 1664×928"),
        ("928*1664", "9:16 portrait · 928×1664"),
        ("1472*1104", "4:3 landscape · 1472×1104"),
        ("1140*1472", "3:4 portrait · 1140×1472"),
        ("1000*300", "landscape · 1000×300"),
    ],
)
def test_size_labels(size, label):
    assert size_label(size) == label


def test_clip_and_one_line():
    assert clip("abc", 3) == "abc"
    assert clip("abcdef", 4) == "abc…"
    assert len(clip("x" * 5000, 1024)) == 1024
    assert one_line("a\n\n b\tc", 10) == "a b c"


def test_fingerprint_changes_only_when_definitions_or_scope_change(tmp_path):
    commands = [{"name": "imagine", "options": [{"name": "prompt", "max_length": 800}]}]
    same = commands_fingerprint(commands, [1])
    assert commands_fingerprint(list(reversed(commands)), [1]) == same
    assert commands_fingerprint([{"name": "imagine", "options": []}], [1]) != same
    assert commands_fingerprint(commands, [2]) != same
    state = SyncState(tmp_path / "commands.sha256")
    assert state.needs_sync(same)
    state.remember(same)
    assert not SyncState(tmp_path / "commands.sha256").needs_sync(same)


def test_retry_after_forms():
    assert parse_retry_after("2") == 2
    assert parse_retry_after("garbage") is None
    assert parse_retry_after(None) is None
    assert parse_retry_after("99999") == 900
    assert 0 <= parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") <= 0.0001


@pytest.mark.parametrize(
    "kwargs",
    [
        {"prompt": " "},
        {"prompt": "x" * 801},
        {"negative_prompt": "x" * 501},
        {"seed": -1},
        {"seed": 2**31},
    ],
)
def test_request_refuses_what_the_api_would(kwargs):
    base = {"prompt": "cat", "model": "m", "size": "1*1", "prompt_extend": True, "watermark": False}
    with pytest.raises(ValueError):
        ImageRequest(**(base | kwargs))


def test_redaction_of_keys_tokens_and_webhook_urls():
    redactor = RedactSecrets(["sk-very-secret", "MTAx.Gg.abc"])
    record = logging.LogRecord(
        "x",
        logging.DEBUG,
        __file__,
        1,
        "POST https://discord.com/api/v10/webhooks/123/aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDEyMzQ1Njc4OTA key=%s tok=%s",
        ("sk-very-secret", "MTAx.Gg.abc"),
        None,
    )
    redactor.filter(record)
    text = record.getMessage()
    assert "sk-very-secret" not in text and "MTAx.Gg.abc" not in text
    assert "aW50ZXJhY3Rpb24" not in text and "/webhooks/123/[token]" in text
