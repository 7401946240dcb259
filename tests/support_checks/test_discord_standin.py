"""The Discord stand-in, driven by a real discord.py bot over 127.0.0.1.

The bot here is deliberately tiny; it exists to exercise the stand-in's wire behaviour
(login, gateway, command sync, interaction rules), not any feature of our own bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands
from discord.http import Route
from PIL import Image

from tests.support.discord_standin import (
    Channel,
    CommandNotAvailable,
    ComponentNotFound,
    DiscordSpec,
    DiscordStandIn,
    Guild,
    InvalidOptions,
    Member,
    MissingCommandPermissions,
    permissions,
)
from tests.support.discord_standin.spec import VENDORED_SPEC


def _png(width: int = 4, height: int = 3) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


PNG_BYTES = _png()
MANAGE_GUILD = discord.Permissions(manage_guild=True).value


class PingView(discord.ui.View):
    @discord.ui.button(label="Ping", custom_id="standin:ping")
    async def ping(
        self, interaction: discord.Interaction, button: discord.ui.Button[PingView]
    ) -> None:
        await interaction.response.edit_message(content="pong", view=None)


class FeedbackModal(discord.ui.Modal, title="Feedback"):
    text: discord.ui.TextInput[FeedbackModal] = discord.ui.TextInput(
        label="Text", custom_id="feedback:text"
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"got {self.text.value}", ephemeral=True)


SIZES = ("1024*1024", "1328*1328", "1664*928")


class StandInTestBot(commands.Bot):
    """A minimal bot: just enough commands to hit every stand-in rule."""

    def __init__(self, guild_id: int) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            # discord.py waits this long after the last GUILD_CREATE before READY
            # fires (2 s by default); the stand-in sends them all at once.
            guild_ready_timeout=0.05,
        )
        self.test_guild = discord.Object(guild_id)
        self.saved: dict[str, discord.Interaction] = {}
        self.late_errors: list[discord.HTTPException] = []
        self.command_errors: list[BaseException] = []
        # /slow answers only when the test opens ``slow_gate`` (after moving the stand-in's
        # clock past the 3 s deadline), and sets ``late_error_seen`` once it has recorded
        # the error: the stand-in logs the 404 before discord.py even reads it.
        self.slow_started = asyncio.Event()
        self.slow_gate = asyncio.Event()
        self.late_error_seen = asyncio.Event()
        self.guild_updates: asyncio.Queue[discord.Guild] = asyncio.Queue()

    async def on_guild_update(self, before: discord.Guild, after: discord.Guild) -> None:
        self.guild_updates.put_nowait(after)

    async def setup_hook(self) -> None:
        tree = self.tree

        @tree.command(description="Echo text back with a file")
        async def echo(interaction: discord.Interaction, text: str) -> None:
            self.saved["echo"] = interaction
            await interaction.response.defer()
            await interaction.followup.send(
                text,
                file=discord.File(io.BytesIO(PNG_BYTES), "echo.png"),
                allowed_mentions=discord.AllowedMentions.none(),
            )

        @tree.command(description="Reply only you can see")
        async def whisper(interaction: discord.Interaction, text: str) -> None:
            await interaction.response.send_message(text, ephemeral=True)

        @tree.command(description="Answers too late")
        async def slow(interaction: discord.Interaction) -> None:
            self.slow_started.set()
            await self.slow_gate.wait()
            try:
                await interaction.response.send_message("too late")
            except discord.HTTPException as exc:
                self.late_errors.append(exc)
                self.late_error_seen.set()

        @tree.command(description="Shows a button")
        async def buttons(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("press it", view=PingView())

        @tree.command(description="Opens a modal")
        async def feedback(interaction: discord.Interaction) -> None:
            await interaction.response.send_modal(FeedbackModal())

        @tree.command(description="Pick a size")
        async def size(interaction: discord.Interaction, value: str) -> None:
            await interaction.response.send_message(value)

        @size.autocomplete("value")
        async def size_choices(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            return [app_commands.Choice(name=s, value=s) for s in SIZES if current in s]

        settings = app_commands.Group(name="imagine-settings", description="Settings")

        @settings.command(name="defaults", description="Set your defaults")
        @app_commands.choices(size=[app_commands.Choice(name=s, value=s) for s in SIZES])
        async def defaults(
            interaction: discord.Interaction,
            size: app_commands.Choice[str],
            steps: app_commands.Range[int, 1, 50] = 20,
        ) -> None:
            await interaction.response.send_message(f"{size.value} x{steps}")

        tree.add_command(settings)

        @tree.command(name="admin-reset", description="Admins only", guild=self.test_guild)
        @app_commands.default_permissions(manage_guild=True)
        async def admin_reset(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("reset done", ephemeral=True)

        @tree.error
        async def on_error(
            interaction: discord.Interaction, error: app_commands.AppCommandError
        ) -> None:
            self.command_errors.append(error)


@dataclass
class World:
    guild: Guild
    channel: Channel
    alice: Member
    admin: Member  # has Manage Guild
    other_guild: Guild
    other_channel: Channel
    other_member: Member


@pytest.fixture
async def discord_api(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[DiscordStandIn]:
    async with DiscordStandIn() as api:
        api.patch_discord_py(monkeypatch)
        yield api
        assert api.internal_errors == []


@pytest.fixture
def world(discord_api: DiscordStandIn) -> World:
    guild = discord_api.add_guild(name="Test Guild")
    other = discord_api.add_guild(name="Other Guild")
    other_member = discord_api.add_member(other, name="bob")
    return World(
        guild=guild,
        channel=discord_api.add_text_channel(guild, name="general"),
        alice=discord_api.add_member(guild, name="alice"),
        admin=discord_api.add_member(guild, name="mod", permissions=MANAGE_GUILD),
        other_guild=other,
        other_channel=discord_api.add_text_channel(other, name="general"),
        other_member=other_member,
    )


async def start_bot(api: DiscordStandIn, bot: commands.Bot) -> asyncio.Task[None]:
    task = asyncio.create_task(bot.start(api.token))
    ready = asyncio.create_task(bot.wait_until_ready())
    done, _ = await asyncio.wait({task, ready}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        ready.cancel()
        task.result()  # re-raise why the bot died
    assert ready in done, "bot never became ready"
    return task


async def stop_bot(bot: commands.Bot, task: asyncio.Task[None]) -> None:
    await bot.close()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


@pytest.fixture(scope="session")
def discord_spec() -> DiscordSpec:
    return DiscordSpec.load(VENDORED_SPEC)


@pytest.fixture
async def bot(
    discord_api: DiscordStandIn, world: World, discord_spec: DiscordSpec
) -> AsyncIterator[StandInTestBot]:
    bot = StandInTestBot(world.guild.id)
    task = await start_bot(discord_api, bot)
    await bot.tree.sync()
    await bot.tree.sync(guild=bot.test_guild)
    yield bot
    await stop_bot(bot, task)
    assert bot.command_errors == []
    assert discord_api.unknown_routes == []
    # Everything the stand-in accepted, and everything it answered, has Discord's shape.
    accepted = [r for r in discord_api.requests if r.status is not None and r.status < 300]
    assert [str(p) for p in discord_spec.check_all(accepted)] == []


async def test_login_and_identify(discord_api: DiscordStandIn, bot: StandInTestBot, world: World):
    assert bot.user is not None and bot.user.id == discord_api.bot_user.id
    assert bot.application_id == discord_api.application_id
    identify = discord_api.identifies[-1]
    assert identify["intents"] == discord.Intents.default().value
    assert identify["token"] == discord_api.token
    # discord.py asks for compression; the stand-in answers in plain text frames.
    assert discord_api.gateway.ws_query[-1]["encoding"] == "json"
    assert "compress" in discord_api.gateway.ws_query[-1]
    me = discord_api.requests_to("GET", "/users/@me")[0]
    assert me.headers["Authorization"] == f"Bot {discord_api.token}"
    guild = bot.get_guild(world.guild.id)
    assert guild is not None and guild.me is not None
    assert guild.filesize_limit == world.guild.upload_limit == 10 * 1024 * 1024
    assert {c.name for c in guild.text_channels} == {"general"}


async def test_wrong_token_is_rejected(discord_api: DiscordStandIn):
    bot = StandInTestBot(1)
    try:
        with pytest.raises(discord.LoginFailure):
            await bot.login("not-the-token")
    finally:
        await bot.close()
    rejected = discord_api.requests_to("GET", "/users/@me")[-1]
    assert rejected.status == 401
    assert rejected.response == {"message": "401: Unauthorized", "code": 0}


async def test_commands_are_registered(
    discord_api: DiscordStandIn, bot: StandInTestBot, world: World
):
    global_names = {c["name"] for c in discord_api.registered_commands()}
    assert global_names == {
        "echo",
        "whisper",
        "slow",
        "buttons",
        "feedback",
        "size",
        "imagine-settings",
    }
    (admin,) = discord_api.registered_commands(world.guild)
    assert admin["name"] == "admin-reset"
    assert admin["default_member_permissions"] == str(MANAGE_GUILD)
    assert admin["guild_id"] == str(world.guild.id)
    fetched = await bot.tree.fetch_commands()
    assert {c.id for c in fetched} == {int(c["id"]) for c in discord_api.registered_commands()}


async def test_invalid_command_is_rejected_atomically(
    discord_api: DiscordStandIn, bot: StandInTestBot
):
    before = discord_api.registered_commands()
    bad = [
        {"name": "fine", "description": "ok", "type": 1},
        {"name": "Bad Name", "description": "x", "type": 1},
        {"name": "long", "description": "d" * 101, "type": 1},
    ]
    with pytest.raises(discord.HTTPException) as caught:
        await bot.http.bulk_upsert_global_commands(discord_api.application_id, payload=bad)
    assert caught.value.status == 400 and caught.value.code == 50035
    assert "1.name" in caught.value.text and "2.description" in caught.value.text
    assert discord_api.registered_commands() == before


async def test_defer_then_followup_with_file(
    discord_api: DiscordStandIn, bot: StandInTestBot, world: World
):
    rec = await discord_api.invoke(
        world.guild, world.channel, world.alice, "echo", text="hi @everyone"
    )
    await rec.wait_done()
    assert rec.callback_type == 5 and rec.ack_latency is not None and rec.ack_latency < 3
    message = rec.final_message
    assert message is not None and message is rec.original  # the follow-up resolved "thinking"
    assert not message.loading and not rec.ephemeral
    assert message.content == "hi @everyone"
    (attachment,) = message.attachments
    assert attachment.data == PNG_BYTES
    assert (attachment.filename, attachment.content_type) == ("echo.png", "image/png")
    assert (attachment.width, attachment.height) == (4, 3)
    assert attachment.uploaded_content_type == "application/octet-stream"
    followup = discord_api.requests_to("POST", "/webhooks/{webhook_id}/{token}")[-1]
    assert followup.payload["allowed_mentions"] == {"parse": []}
    assert message.effective_mentions()["everyone"] is False
    assert [e.kind for e in rec.timeline] == ["callback", "followup_resolved_original"]
    async with aiohttp.ClientSession() as http, http.get(attachment.url) as response:
        assert await response.read() == PNG_BYTES


async def test_ephemeral_reply(discord_api: DiscordStandIn, bot: StandInTestBot, world: World):
    rec = await discord_api.invoke(world.guild, world.channel, world.alice, "whisper", text="psst")
    await rec.wait_done()
    assert rec.callback_type == 4 and rec.ephemeral
    assert rec.original is not None and rec.original.flags & 64
    assert rec.original not in discord_api.channel_messages(world.channel)


async def test_second_callback_is_rejected(
    discord_api: DiscordStandIn, bot: StandInTestBot, world: World
):
    rec = await discord_api.invoke(world.guild, world.channel, world.alice, "whisper", text="once")
    await rec.wait_done()
    url = f"{discord_api.api_base}/interactions/{rec.id}/{rec.token}/callback"
    async with (
        aiohttp.ClientSession() as http,
        http.post(url, json={"type": 4, "data": {"content": "twice"}}) as response,
    ):
        assert response.status == 400
        assert await response.json() == {
            "message": "Interaction has already been acknowledged.",
            "code": 40060,
        }
    assert [c.status for c in rec.callbacks] == [200, 400]
    assert rec.callback_type == 4 and rec.original is not None and rec.original.content == "once"


async def test_late_callback_is_unknown_interaction(
    discord_api: DiscordStandIn, bot: StandInTestBot, world: World
):
    rec = await discord_api.invoke(world.guild, world.channel, world.alice, "slow")
    await asyncio.wait_for(bot.slow_started.wait(), 5)
    discord_api.clock.advance(3.5)  # the bot "took" 3.5 s
    bot.slow_gate.set()
    await rec.wait_for(lambda r: bool(r.callbacks))
    assert not rec.acknowledged and rec.original is None
    (attempt,) = rec.callbacks
    assert (attempt.status, attempt.error_code) == (404, 10062)
    assert attempt.at - rec.dispatched_at > 3
    await asyncio.wait_for(bot.late_error_seen.wait(), 5)
    (error,) = bot.late_errors
    assert isinstance(error, discord.NotFound) and error.code == 10062


async def test_webhook_token_expires_after_15_minutes(
    discord_api: DiscordStandIn, bot: StandInTestBot, world: World
):
    rec = await discord_api.invoke(world.guild, world.channel, world.alice, "echo", text="now")
    await rec.wait_done()
    interaction = bot.saved["echo"]
    await interaction.followup.send("still fine")  # within 15 minutes
    discord_api.clock.advance(901)
    with pytest.raises(discord.HTTPException) as caught:
        await interaction.followup.send("too late")
    assert (caught.value.status, caught.value.code) == (401, 50027)
    with pytest.raises(discord.HTTPException) as caught:
        await interaction.edit_original_response(content="edit")
    assert caught.value.code == 50027
    assert [e.kind for e in rec.rejections] == ["rejected:followup", "rejected:edit_original"]
    assert len(rec.followups) == 1


async def test_default_member_permissions_hide_command(
    discord_api: DiscordStandIn, bot: StandInTestBot, world: World
):
    with pytest.raises(MissingCommandPermissions):
        await discord_api.invoke(world.guild, world.channel, world.alice, "admin-reset")
    rec = await discord_api.invoke(world.guild, world.channel, world.admin, "admin-reset")
    await rec.wait_done()
    assert rec.original is not None and rec.original.content == "reset done"
    assert rec.payload["data"]["guild_id"] == str(world.guild.id)
    # A guild command doesn't exist anywhere else.
    with pytest.raises(CommandNotAvailable):
        await discord_api.invoke(
            world.other_guild, world.other_channel, world.other_member, "admin-reset"
        )
    with pytest.raises(CommandNotAvailable):
        await discord_api.invoke(None, None, world.alice, "admin-reset")


async def test_options_are_checked_against_registration(
    discord_api: DiscordStandIn, bot: StandInTestBot, world: World
):
    with pytest.raises(InvalidOptions, match="no option"):
        await discord_api.invoke(
            world.guild, world.channel, world.alice, "echo", text="a", size="x"
        )
    with pytest.raises(InvalidOptions, match="expected a string"):
        await discord_api.invoke(world.guild, world.channel, world.alice, "echo", text=5)
    with pytest.raises(InvalidOptions, match="required"):
        await discord_api.invoke(world.guild, world.channel, world.alice, "echo")
    with pytest.raises(CommandNotAvailable):
        await discord_api.invoke(world.guild, world.channel, world.alice, "nope")
    defaults = "imagine-settings defaults"
    with pytest.raises(InvalidOptions, match="not one of the choices"):
        await discord_api.invoke(world.guild, world.channel, world.alice, defaults, size="9*9")
    with pytest.raises(InvalidOptions, match="above max_value"):
        await discord_api.invoke(
            world.guild, world.channel, world.alice, defaults, size="1328*1328", steps=51
        )
    with pytest.raises(CommandNotAvailable, match="cannot be run by itself"):
        await discord_api.invoke(world.guild, world.channel, world.alice, "imagine-settings")
    assert discord_api.interactions == []


async def test_subcommand_options(discord_api: DiscordStandIn, bot: StandInTestBot, world: World):
    rec = await discord_api.invoke(
        world.guild,
        world.channel,
        world.alice,
        "imagine-settings defaults",
        size="1328*1328",
        steps=30,
    )
    await rec.wait_done()
    assert rec.payload["data"]["options"] == [
        {
            "name": "defaults",
            "type": 1,
            "options": [
                {"name": "size", "type": 3, "value": "1328*1328"},
                {"name": "steps", "type": 4, "value": 30},
            ],
        }
    ]
    assert rec.original is not None and rec.original.content == "1328*1328 x30"


async def test_button_click(discord_api: DiscordStandIn, bot: StandInTestBot, world: World):
    rec = await discord_api.invoke(world.guild, world.channel, world.alice, "buttons")
    await rec.wait_done()
    message = rec.original
    assert message is not None and message.custom_ids == ["standin:ping"]
    with pytest.raises(ComponentNotFound):
        await discord_api.click(message, "standin:nope", world.alice)
    click = await discord_api.click(message, "standin:ping", world.alice)
    await click.wait_done()
    assert click.type == 3 and click.callback_type == 7
    assert message.content == "pong" and message.components == []
    assert [r.content for r in message.history] == ["press it", "pong"]


async def test_bot_permissions_reach_interactions_and_rest(
    discord_api: DiscordStandIn, bot: StandInTestBot, world: World
):
    discord_api.deny_bot(world.channel, permissions.ATTACH_FILES | permissions.EMBED_LINKS)
    rec = await discord_api.invoke(world.guild, world.channel, world.alice, "echo", text="x")
    await rec.wait_done()
    app_permissions = bot.saved["echo"].app_permissions
    assert not app_permissions.attach_files and not app_permissions.embed_links
    assert app_permissions.send_messages
    channel = bot.get_channel(world.channel.id)
    assert isinstance(channel, discord.TextChannel)
    assert not channel.permissions_for(channel.guild.me).attach_files  # CHANNEL_UPDATE arrived
    with pytest.raises(discord.Forbidden) as caught:
        await channel.send(file=discord.File(io.BytesIO(b"x"), "x.txt"))
    assert caught.value.code == 50013


async def test_message_limits(discord_api: DiscordStandIn, bot: StandInTestBot, world: World):
    channel = bot.get_channel(world.channel.id)
    assert isinstance(channel, discord.TextChannel)
    cases = [
        ({"content": "x" * 2001}, "content"),
        ({"embed": discord.Embed(title="t" * 257)}, "embeds.0.title"),
        ({"embeds": [discord.Embed(description="d" * 4000)] * 2}, "Embed size exceeds"),
    ]
    for kwargs, expected in cases:
        with pytest.raises(discord.HTTPException) as caught:
            await channel.send(**kwargs)
        assert (caught.value.status, caught.value.code) == (400, 50035)
        assert expected in caught.value.text
    # discord.py refuses more than 10 embeds itself, so send that one raw.
    route = Route("POST", "/channels/{channel_id}/messages", channel_id=channel.id)
    with pytest.raises(discord.HTTPException) as caught:
        await bot.http.request(route, json={"embeds": [{"title": str(i)} for i in range(11)]})
    assert caught.value.code == 50035 and "10 or fewer" in caught.value.text
    too_big = b"\0" * (10 * 1024 * 1024 + 1)
    with pytest.raises(discord.HTTPException) as caught:
        await channel.send(file=discord.File(io.BytesIO(too_big), "big.bin"))
    assert (caught.value.status, caught.value.code) == (413, 40005)
    # Boosting to tier 2 raises the limit to 50 MiB, and discord.py hears about it.
    discord_api.set_premium_tier(world.guild, 2)
    updated = await asyncio.wait_for(bot.guild_updates.get(), 5)
    assert updated.id == world.guild.id and updated is channel.guild
    assert channel.guild.filesize_limit == 50 * 1024 * 1024
    sent = await channel.send(file=discord.File(io.BytesIO(too_big), "big.bin"))
    assert sent.attachments[0].size == len(too_big)


async def test_unknown_route_is_recorded(discord_api: DiscordStandIn, bot: StandInTestBot):
    with pytest.raises(discord.NotFound):
        await bot.http.request(Route("GET", "/not/a/route"))
    (unknown,) = discord_api.unknown_routes
    assert unknown.path.endswith("/not/a/route") and unknown.status == 404
    discord_api.requests.remove(unknown)


async def test_bot_restart_keeps_state(discord_api: DiscordStandIn, world: World):
    first = StandInTestBot(world.guild.id)
    task = await start_bot(discord_api, first)
    await first.tree.sync()
    rec = await discord_api.invoke(world.guild, world.channel, world.alice, "echo", text="before")
    await rec.wait_done()
    await stop_bot(first, task)
    command_ids = {c["id"] for c in discord_api.registered_commands()}

    second = StandInTestBot(world.guild.id)
    task = await start_bot(discord_api, second)
    try:
        assert len(discord_api.identifies) == 2
        assert {str(c.id) for c in await second.tree.fetch_commands()} == command_ids
        channel = second.get_channel(world.channel.id)
        assert isinstance(channel, discord.TextChannel)
        assert rec.original is not None
        old = await channel.fetch_message(rec.original.id)
        assert old.content == "before" and await old.attachments[0].read() == PNG_BYTES
        again = await discord_api.invoke(
            world.guild, world.channel, world.alice, "echo", text="after"
        )
        await again.wait_done()
        assert again.final_message is not None and again.final_message.content == "after"
        assert discord_api.commands.bulk_overwrites[None] == 1  # the second bot never synced
    finally:
        await stop_bot(second, task)
    assert discord_api.unknown_routes == []


async def test_modal_and_autocomplete(
    discord_api: DiscordStandIn, bot: StandInTestBot, world: World
):
    typing = await discord_api.autocomplete(
        world.guild, world.channel, world.alice, "size", focused="value", value="1328"
    )
    await typing.wait_for(lambda r: r.autocomplete_choices is not None)
    assert typing.autocomplete_choices == [{"name": "1328*1328", "value": "1328*1328"}]
    opened = await discord_api.invoke(world.guild, world.channel, world.alice, "feedback")
    await opened.wait_for(lambda r: r.modal is not None)
    assert opened.callback_type == 9 and opened.modal is not None
    assert opened.modal["title"] == "Feedback"
    submitted = await discord_api.submit_modal(opened, {"feedback:text": "nice"})
    await submitted.wait_done()
    assert submitted.original is not None and submitted.original.content == "got nice"


async def test_dm_invocation(discord_api: DiscordStandIn, bot: StandInTestBot, world: World):
    rec = await discord_api.invoke(None, None, world.alice, "whisper", text="in a DM")
    await rec.wait_done()
    assert "guild_id" not in rec.payload and rec.payload["context"] == 1
    assert rec.original is not None and rec.original.channel is discord_api.dm_channel(world.alice)
    assert rec.original.content == "in a DM"


async def test_gateway_resume(discord_api: DiscordStandIn, bot: StandInTestBot, world: World):
    session = discord_api.gateway.connected_sessions()[0]
    await discord_api.reconnect_bots()  # op 7: discord.py reconnects and sends RESUME

    def resumes() -> list[Any]:
        return [f for f in discord_api.gateway.received if f.op == 6]

    await discord_api.gateway.wait_until(lambda _: bool(resumes()) and session.connected)
    resumed = resumes()
    assert resumed and resumed[-1].data["session_id"] == session.session_id
    assert len(discord_api.identifies) == 1  # resumed, not re-identified
    rec = await discord_api.invoke(
        world.guild, world.channel, world.alice, "whisper", text="still here"
    )
    await rec.wait_done()
    assert rec.acknowledged
