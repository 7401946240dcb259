"""What Discord knows about one application, independent of any bot connection.

Kept on the stand-in object (not per websocket) so registered commands, messages and
the guild setup survive a bot restart, as they do on Discord.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..clock import FakeClock
from .commands import CommandRegistry
from .gateway import PRIVILEGED_INTENTS
from .interactions import InteractionRecord
from .messages import MessageStore
from .models import Channel, Guild, User
from .snowflakes import SnowflakeFactory

if TYPE_CHECKING:
    from .gateway import GatewayHub


class StandInState:
    gateway: GatewayHub  # created by DiscordStandIn, which also serves HTTP

    def __init__(
        self,
        *,
        token: str = "standin-bot-token",
        bot_name: str = "StandInBot",
        bot_id: int | None = None,
        application_id: int | None = None,
        application_name: str | None = None,
        application_flags: int = 0,
        clock: FakeClock | None = None,
        ack_deadline: float = 3.0,
        token_lifetime: float = 15 * 60.0,
        privileged_intents_enabled: int = PRIVILEGED_INTENTS,
        host: str = "127.0.0.1",
    ) -> None:
        self.clock = clock or FakeClock.real_time()
        self.snowflakes = SnowflakeFactory()
        self.token = token
        self.host = host
        self.port: int | None = None
        self.ack_deadline = ack_deadline
        self.token_lifetime = token_lifetime
        self.privileged_intents_enabled = privileged_intents_enabled
        self.bot_user = User(id=bot_id or self.snowflakes.next(), username=bot_name, bot=True)
        # Bots made since 2020 have application id == bot user id.
        self.application_id = application_id or self.bot_user.id
        self.application_name = application_name or bot_name
        self.application_flags = application_flags
        self.application_owner = User(id=self.snowflakes.next(), username="app-owner")
        self.users: dict[int, User] = {self.bot_user.id: self.bot_user}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self._dm_channels: dict[int, Channel] = {}
        self.commands = CommandRegistry(self.application_id, self.snowflakes.next)
        self.messages = MessageStore(
            clock=self.clock, snowflakes=self.snowflakes, attachment_url=self._attachment_url
        )
        self.interactions: list[InteractionRecord] = []
        self._interactions_by_id: dict[int, InteractionRecord] = {}
        self._interactions_by_token: dict[str, InteractionRecord] = {}

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("the stand-in is not started")
        return f"http://{self.host}:{self.port}"

    @property
    def api_base(self) -> str:
        """Value for ``discord.http.Route.BASE``."""
        return self.base_url + "/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/gateway"

    def now(self) -> float:
        return self.clock()

    def _attachment_url(self, channel_id: int, attachment_id: int, filename: str) -> str:
        return f"{self.base_url}/attachments/{channel_id}/{attachment_id}/{filename}"

    def interaction(self, interaction_id: int) -> InteractionRecord | None:
        return self._interactions_by_id.get(interaction_id)

    def interaction_by_token(self, token: str) -> InteractionRecord | None:
        return self._interactions_by_token.get(token)
