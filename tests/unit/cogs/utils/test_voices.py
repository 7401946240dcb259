"""Which language a request speaks in: the member's for what only they read, the server's
for the channel, and in a DM (no server) the member's for both."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from cogs.utils.voices import Voices, public_language
from imagecore.i18n import Catalogs


def interaction(*, locale: str, guild_locale: str | None, guild_id: int | None) -> Any:
    client = SimpleNamespace(catalogs=Catalogs.load())
    return SimpleNamespace(
        client=client, locale=locale, guild_locale=guild_locale, guild_id=guild_id
    )


def test_a_server_speaks_its_setting_else_its_locale() -> None:
    on_server = interaction(locale="en-US", guild_locale="zh-CN", guild_id=1)
    assert public_language(on_server, None).tag == "zh-CN"
    assert public_language(on_server, "zh-TW").tag == "zh-TW"
    assert public_language(on_server, "auto").tag == "zh-CN"


def test_a_dm_speaks_the_members_language_in_public_too() -> None:
    in_dm = interaction(locale="zh-TW", guild_locale=None, guild_id=None)
    voices = Voices.of(in_dm, None)
    assert (voices.private.tag, voices.public.tag) == ("zh-TW", "zh-TW")


def test_a_resumed_dm_job_speaks_its_members_stored_language() -> None:
    catalogs = Catalogs.load()
    dm = Voices.stored(catalogs, user_locale="zh-CN", guild_locale=None, setting=None)
    assert (dm.private.tag, dm.public.tag) == ("zh-CN", "zh-CN")
    server = Voices.stored(catalogs, user_locale="zh-CN", guild_locale="en-US", setting=None)
    assert (server.private.tag, server.public.tag) == ("zh-CN", "en-US")
