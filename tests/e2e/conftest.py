"""What the end-to-end files share: Discord's OpenAPI description, loaded once, and the
check that whatever the bot sent Discord would have understood."""

from __future__ import annotations

import pytest

from tests.support.discord_standin import DiscordSpec, DiscordStandIn
from tests.support.discord_standin.spec import VENDORED_SPEC


@pytest.fixture(scope="session")
def discord_spec() -> DiscordSpec:
    return DiscordSpec.load(VENDORED_SPEC)


def assert_discord_understood(discord_api: DiscordStandIn, spec: DiscordSpec) -> None:
    assert discord_api.unknown_routes == []
    assert discord_api.internal_errors == []
    accepted = [r for r in discord_api.requests if r.status is not None and r.status < 300]
    assert [str(p) for p in spec.check_all(accepted)] == []
