"""The OCPP-J WebSocket server: `ws(s)://HOST:PORT/ocpp/{station_id}`.

Admission happens at the HTTP upgrade (unknown station, Basic auth: security profile 1;
TLS from the server's certificate settings: profile 2). The subprotocol is negotiated per
connection; a client that offers none we speak gets the handshake without a subprotocol and
is closed at once, as OCPP-J requires.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import logging
import ssl
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Protocol
from urllib.parse import unquote

from sqlalchemy.orm import Session, sessionmaker
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from chargegrid.bus.events import StationConnected, StationDisconnected
from chargegrid.bus.in_process import InProcessBus
from chargegrid.clock import Clock
from chargegrid.ocpp.context import StationContext
from chargegrid.ocpp.dialect import Dialect, v16_dialect, v201_dialect
from chargegrid.ocpp.registry import ConnectionRegistry, Encoder, LiveConnection
from chargegrid.ocpp.rpc import Handler, RpcEndpoint
from chargegrid.ocpp.v16 import commands as v16_commands
from chargegrid.ocpp.v16.handlers import V16Handlers
from chargegrid.ocpp.v201 import commands as v201_commands
from chargegrid.ocpp.v201.handlers import V201Handlers
from chargegrid.services import stations
from chargegrid.settings import Settings
from chargegrid.store.writer import BatchWriter

log = logging.getLogger(__name__)
PATH_PREFIX = "/ocpp/"
# The socket refuses frames this large outright; below it, oversize frames get a CALLERROR.
HARD_FRAME_LIMIT = 4 * 1024 * 1024


class ConnectionHandlers(Protocol):
    """What an adapter's per-connection handlers give the server."""

    def routes(self) -> dict[str, Handler]: ...

    def gate(self, action: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Adapter:
    """One protocol version: its RPC dialect, handlers and command translation.

    `bind_encoder`, when set, gives a connection its own encoder from its handlers (2.0.1
    commands name the station's transaction ids, which only the connection knows)."""

    dialect: Dialect
    handlers: Callable[[StationContext], ConnectionHandlers]
    encode: Callable[..., Any]
    decode: Callable[..., Any]
    bind_encoder: Callable[[Any], Awaitable[Encoder]] | None = None


def default_adapters() -> dict[str, Adapter]:
    return {
        "ocpp1.6": Adapter(v16_dialect(), V16Handlers, v16_commands.to_call,
                           v16_commands.to_result),
        "ocpp2.0.1": Adapter(v201_dialect(), V201Handlers, v201_commands.to_call,
                             v201_commands.to_result,
                             bind_encoder=V201Handlers.command_encoder),
    }


def station_id_from_path(path: str) -> str | None:
    route = path.split("?", 1)[0]
    if not route.startswith(PATH_PREFIX):
        return None
    station_id = unquote(route[len(PATH_PREFIX):])
    return station_id or None


def basic_auth_password(headers: Headers, station_id: str) -> tuple[bool, str | None]:
    """(well-formed, password): the user part must be the station id (OCPP security)."""
    value = headers.get("Authorization")
    if value is None:
        return True, None
    scheme, _, encoded = value.partition(" ")
    if scheme.lower() != "basic":
        return False, None
    try:
        user, sep, password = base64.b64decode(encoded.strip(), validate=True).decode().partition(
            ":")
    except (binascii.Error, UnicodeDecodeError):
        return False, None
    if not sep or user != station_id:
        return False, None
    return True, password


class OcppServer:
    """Accepts station connections and serves them until closed."""

    def __init__(self, *, settings: Settings, session_factory: sessionmaker[Session],
                 writer: BatchWriter, registry: ConnectionRegistry, bus: InProcessBus,
                 clock: Clock, adapters: dict[str, Adapter] | None = None) -> None:
        self.settings = settings
        self._sessions = session_factory
        self._writer = writer
        self.registry = registry
        self._bus = bus
        self._clock = clock
        self._adapters = adapters or default_adapters()
        self._server: Server | None = None

    @property
    def port(self) -> int:
        assert self._server is not None
        sock = next(iter(self._server.sockets))
        return int(sock.getsockname()[1])

    async def start(self, host: str, port: int) -> None:
        self._server = await serve(
            self._handle, host, port,
            process_request=self._process_request,
            select_subprotocol=self._select_subprotocol,
            ssl=self._ssl_context(),
            max_size=HARD_FRAME_LIMIT, max_queue=64,
            ping_interval=30, ping_timeout=60, compression=None,
        )

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    def _ssl_context(self) -> ssl.SSLContext | None:
        if self.settings.tls_certfile is None:
            return None
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(self.settings.tls_certfile, self.settings.tls_keyfile)
        return context

    def _select_subprotocol(self, _conn: ServerConnection, offered: Sequence[Subprotocol]
                            ) -> Subprotocol | None:
        for name in offered:
            if name in self._adapters:
                return name
        return None

    async def _process_request(self, conn: ServerConnection, request: Request) -> Response | None:
        station_id = station_id_from_path(request.path)
        if station_id is None:
            return conn.respond(HTTPStatus.NOT_FOUND, "use /ocpp/{station_id}\n")
        well_formed, password = basic_auth_password(request.headers, station_id)
        if not well_formed:
            return _unauthorized(conn, "malformed Basic auth, or user is not the station id")
        settings, now = self.settings, self._clock.now()

        def admit(session: Session) -> stations.AdmissionDecision:
            return stations.admit_connection(
                session, station_id=station_id, password=password,
                policy=settings.unknown_stations, require_auth=settings.require_basic_auth,
                now=now)

        decision = await asyncio.to_thread(self._admit, admit)
        if decision.allowed:
            return None
        log.info("refused %s: %s", station_id, decision.reason)
        if decision.http_status == 401:
            return _unauthorized(conn, decision.reason)
        return conn.respond(HTTPStatus(decision.http_status), decision.reason + "\n")

    def _admit(self, admit: Callable[[Session], stations.AdmissionDecision]
               ) -> stations.AdmissionDecision:
        with self._sessions() as session:
            decision = admit(session)
            session.commit()
            return decision

    async def _handle(self, ws: ServerConnection) -> None:
        if ws.subprotocol is None or ws.request is None:
            await ws.close(1002, "no supported OCPP subprotocol offered")
            return
        station_id = station_id_from_path(ws.request.path)
        assert station_id is not None
        adapter = self._adapters[str(ws.subprotocol)]
        status = await asyncio.to_thread(self._registration_status, station_id)
        ctx = StationContext(station_id, self._writer, self._clock, self._bus, self.settings,
                             registration_status=status)
        handlers = adapter.handlers(ctx)
        encode = adapter.encode
        if adapter.bind_encoder is not None:
            encode = await adapter.bind_encoder(handlers)

        async def send(text: str) -> None:
            # A socket that closed under us: the station will retry what it did not get.
            with contextlib.suppress(ConnectionClosed):
                await ws.send(text)

        endpoint = RpcEndpoint(adapter.dialect, handlers.routes(), send,
                               max_message_bytes=self.settings.max_message_bytes,
                               station_id=station_id)
        endpoint.gate = handlers.gate
        live = LiveConnection(station_id, adapter.dialect.version, endpoint, encode,
                              adapter.decode, lambda reason: ws.close(1000, reason))
        replaced = self.registry.add(live)
        if replaced is not None:
            replaced.endpoint.fail_pending()
            await replaced.close("replaced by a new connection")
        await self._mark(station_id, True, adapter.dialect.version)
        self._bus.publish(StationConnected(station_id, self._clock.now()))
        try:
            async for frame in ws:
                await endpoint.on_frame(frame)
        except ConnectionClosed:
            pass
        finally:
            endpoint.fail_pending()
            if self.registry.remove(live):
                await self._mark(station_id, False, None)
                self._bus.publish(StationDisconnected(station_id, self._clock.now()))

    def _registration_status(self, station_id: str) -> str:
        with self._sessions() as session:
            station = stations.get(session, station_id=station_id)
            return station.registration_status if station else "Rejected"

    async def _mark(self, station_id: str, connected: bool, version: str | None) -> None:
        now = self._clock.now()
        try:
            await self._writer.submit(lambda s: stations.set_connected(
                s, station_id=station_id, connected=connected, now=now, ocpp_version=version))
        except Exception:
            log.exception("could not record connection state of %s", station_id)


def _unauthorized(conn: ServerConnection, reason: str) -> Response:
    response = conn.respond(HTTPStatus.UNAUTHORIZED, reason + "\n")
    response.headers["WWW-Authenticate"] = 'Basic realm="OCPP", charset="UTF-8"'
    return response
