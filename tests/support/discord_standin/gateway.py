"""The gateway websocket: HELLO, IDENTIFY/RESUME, heartbeats, and event dispatch.

Frames go out as uncompressed TEXT even though discord.py asks for
``compress=zlib-stream`` (or zstd): its ``DiscordWebSocket.received_message`` only
runs the decompressor on ``bytes`` frames and parses ``str`` frames directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiohttp import WSMsgType, web

log = logging.getLogger(__name__)

OP_DISPATCH = 0
OP_HEARTBEAT = 1
OP_IDENTIFY = 2
OP_PRESENCE_UPDATE = 3
OP_VOICE_STATE_UPDATE = 4
OP_RESUME = 6
OP_RECONNECT = 7
OP_REQUEST_GUILD_MEMBERS = 8
OP_INVALID_SESSION = 9
OP_HELLO = 10
OP_HEARTBEAT_ACK = 11

INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_PRESENCES = 1 << 8
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = INTENT_GUILD_MEMBERS | INTENT_GUILD_PRESENCES | INTENT_MESSAGE_CONTENT

# Client close codes after which Discord forgets the session (no RESUME possible).
_CLEAN_CLOSE_CODES = (1000, 1001)
_REPLAY_BUFFER = 2000


class GatewayHost(Protocol):
    """What the hub needs from the stand-in."""

    token: str
    privileged_intents_enabled: int

    def ready_payload(self, session: GatewaySession) -> dict[str, Any]: ...

    def guild_create_payloads(self, session: GatewaySession) -> list[dict[str, Any]]: ...

    def member_chunk_payloads(self, request: dict[str, Any]) -> list[dict[str, Any]]: ...

    def now(self) -> float: ...


@dataclass(eq=False)
class GatewayConnection:
    """One websocket. Outgoing frames go through a queue so they keep their order."""

    ws: web.WebSocketResponse
    opened_at: float
    session: GatewaySession | None = None
    queue: asyncio.Queue[tuple[str | None, asyncio.Future[None] | None]] = field(
        default_factory=asyncio.Queue
    )
    writer: asyncio.Task[None] | None = None
    close_code: int | None = None

    def send(self, frame: dict[str, Any]) -> asyncio.Future[None] | None:
        """Queue a frame; the future resolves once it is written (None outside a loop,
        e.g. when a synchronous fixture changes the world)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.queue.put_nowait((json.dumps(frame), None))
            return None
        done: asyncio.Future[None] = loop.create_future()
        self.queue.put_nowait((json.dumps(frame), done))
        return done

    async def write_loop(self) -> None:
        while True:
            text, done = await self.queue.get()
            if text is None:
                return
            try:
                await self.ws.send_str(text)
            except (ConnectionError, RuntimeError) as exc:
                # The bot went away mid-send; anything queued is lost like on Discord.
                log.debug("gateway send failed: %s", exc)
                if done is not None and not done.done():
                    done.set_exception(exc)
                return
            if done is not None and not done.done():
                done.set_result(None)


@dataclass(eq=False)
class GatewaySession:
    """An identified session; outlives its websocket so a RESUME can replay events."""

    session_id: str
    identify: dict[str, Any]
    created_at: float
    seq: int = 0
    connection: GatewayConnection | None = None
    invalidated: bool = False
    buffer: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=_REPLAY_BUFFER))

    @property
    def intents(self) -> int:
        return int(self.identify.get("intents") or 0)

    @property
    def connected(self) -> bool:
        return self.connection is not None and not self.invalidated

    def dispatch(self, event: str, data: dict[str, Any]) -> asyncio.Future[None] | None:
        self.seq += 1
        frame = {"op": OP_DISPATCH, "t": event, "s": self.seq, "d": data}
        self.buffer.append(frame)
        if self.connection is None:
            return None
        return self.connection.send(frame)


@dataclass(eq=False)
class ReceivedFrame:
    at: float
    op: int | None
    data: Any
    session_id: str | None


class GatewayHub:
    def __init__(
        self, host: GatewayHost, *, heartbeat_interval_ms: int, resume_url: Callable[[], str]
    ) -> None:
        self.host = host
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self._resume_url = resume_url
        self.sessions: dict[str, GatewaySession] = {}
        self.connections: list[GatewayConnection] = []
        self.identifies: list[dict[str, Any]] = []
        self.received: list[ReceivedFrame] = []
        self.ws_query: list[dict[str, str]] = []  # the query strings clients connected with
        self._changed = asyncio.Event()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    # ------------------------------------------------------------------ dispatch

    def live_sessions(self) -> list[GatewaySession]:
        return [s for s in self.sessions.values() if not s.invalidated]

    def connected_sessions(self) -> list[GatewaySession]:
        return [s for s in self.sessions.values() if s.connected]

    def dispatch(
        self,
        event: str,
        data: dict[str, Any] | Callable[[GatewaySession], dict[str, Any] | None],
        *,
        intent: int | None = None,
    ) -> list[asyncio.Future[None]]:
        """Send an event to every live session (buffered for those mid-reconnect).

        ``data`` may be a function of the session, for per-intent payloads; returning
        None skips that session.
        """
        sent: list[asyncio.Future[None]] = []
        for session in self.live_sessions():
            if intent is not None and not session.intents & intent:
                continue
            payload = data(session) if callable(data) else data
            if payload is None:
                continue
            future = session.dispatch(event, payload)
            if future is not None:
                sent.append(future)
        return sent

    async def wait_until(
        self,
        predicate: Callable[[GatewayHub], object],
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> None:
        """Wait for a gateway condition (woken on every frame and connection change)."""
        async with asyncio.timeout(timeout):
            while True:
                changed = self._changed
                if predicate(self):
                    return
                await changed.wait()

    async def wait_connected(self, timeout: float = 10.0) -> GatewaySession:  # noqa: ASYNC109
        """Wait until some bot has identified (READY sent)."""
        await self.wait_until(lambda hub: hub.connected_sessions(), timeout)
        return self.connected_sessions()[-1]

    async def send_reconnect(self) -> None:
        """Ask every connected bot to reconnect (op 7); discord.py then RESUMEs."""
        for session in self.connected_sessions():
            assert session.connection is not None
            sent = session.connection.send({"op": OP_RECONNECT, "d": None, "s": None, "t": None})
            if sent is not None:
                await sent

    async def close_all(self, code: int = 1001) -> None:
        for conn in list(self.connections):
            with contextlib.suppress(Exception):
                await conn.ws.close(code=code, message=b"stand-in shutting down")

    # ------------------------------------------------------------------ websocket

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        self.ws_query.append(dict(request.query))
        conn = GatewayConnection(ws=ws, opened_at=self.host.now())
        conn.writer = asyncio.create_task(conn.write_loop())
        self.connections.append(conn)
        conn.send(
            {
                "op": OP_HELLO,
                "d": {"heartbeat_interval": self.heartbeat_interval_ms},
                "s": None,
                "t": None,
            }
        )
        try:
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    await self._on_frame(conn, json.loads(msg.data))
                elif msg.type is WSMsgType.BINARY:
                    # discord.py only sends ETF when asked to; we never ask.
                    log.warning("ignoring binary gateway frame (%d bytes)", len(msg.data))
                elif msg.type is WSMsgType.ERROR:
                    log.debug("gateway socket error: %s", ws.exception())
                    break
        finally:
            conn.close_code = ws.close_code
            conn.queue.put_nowait((None, None))
            if conn.writer is not None:
                with contextlib.suppress(Exception):
                    await conn.writer
            if conn in self.connections:
                self.connections.remove(conn)
            session = conn.session
            if session is not None and session.connection is conn:
                session.connection = None
                if ws.close_code in _CLEAN_CLOSE_CODES:
                    session.invalidated = True
            log.debug("gateway connection closed with %s", ws.close_code)
            self._notify()
        return ws

    async def _close(self, conn: GatewayConnection, code: int, reason: str) -> None:
        log.info("closing gateway connection: %s %s", code, reason)
        conn.queue.put_nowait((None, None))
        await conn.ws.close(code=code, message=reason.encode())

    async def _on_frame(self, conn: GatewayConnection, frame: dict[str, Any]) -> None:
        op = frame.get("op")
        data = frame.get("d")
        self.received.append(
            ReceivedFrame(
                at=self.host.now(),
                op=op,
                data=data,
                session_id=conn.session.session_id if conn.session else None,
            )
        )
        self._notify()
        if op == OP_HEARTBEAT:
            conn.send({"op": OP_HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == OP_IDENTIFY:
            await self._identify(conn, data or {})
        elif op == OP_RESUME:
            await self._resume(conn, data or {})
        elif conn.session is None:
            await self._close(conn, 4003, "Not authenticated.")
        elif op == OP_REQUEST_GUILD_MEMBERS:
            for chunk in self.host.member_chunk_payloads(data or {}):
                conn.session.dispatch("GUILD_MEMBERS_CHUNK", chunk)
        elif op in (OP_PRESENCE_UPDATE, OP_VOICE_STATE_UPDATE):
            pass  # recorded above; nothing to echo back
        else:
            await self._close(conn, 4001, "Unknown opcode.")

    async def _identify(self, conn: GatewayConnection, data: dict[str, Any]) -> None:
        self.identifies.append(data)
        if conn.session is not None:
            await self._close(conn, 4005, "Already authenticated.")
            return
        if data.get("token") != self.host.token:
            await self._close(conn, 4004, "Authentication failed.")
            return
        intents = int(data.get("intents") or 0)
        if intents & PRIVILEGED_INTENTS & ~self.host.privileged_intents_enabled:
            await self._close(conn, 4014, "Disallowed intent(s).")
            return
        session = GatewaySession(
            session_id=secrets.token_hex(16), identify=data, created_at=self.host.now()
        )
        session.connection = conn
        conn.session = session
        self.sessions[session.session_id] = session
        session.dispatch("READY", self.host.ready_payload(session))
        for guild in self.host.guild_create_payloads(session):
            session.dispatch("GUILD_CREATE", guild)
        self._notify()

    async def _resume(self, conn: GatewayConnection, data: dict[str, Any]) -> None:
        session = self.sessions.get(str(data.get("session_id")))
        if (
            session is None
            or session.invalidated
            or data.get("token") != self.host.token
            or conn.session is not None
        ):
            # d=false: the client must IDENTIFY afresh (discord.py reconnects).
            conn.send({"op": OP_INVALID_SESSION, "d": False, "s": None, "t": None})
            return
        if session.connection is not None and session.connection is not conn:
            with contextlib.suppress(Exception):
                await session.connection.ws.close(code=4000)
        session.connection = conn
        conn.session = session
        last_seen = int(data.get("seq") or 0)
        for frame in list(session.buffer):
            if frame["s"] > last_seen:
                conn.send(frame)
        session.dispatch("RESUMED", {})
        self._notify()

    @property
    def resume_gateway_url(self) -> str:
        return self._resume_url()
