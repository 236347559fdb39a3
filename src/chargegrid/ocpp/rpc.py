"""OCPP-J RPC over one WebSocket: frames in, CALLRESULT/CALLERROR out, and our own CALLs.

The OCPP-J rules are applied exactly here, whatever the library does: an action the version
does not define is `NotImplemented`, a defined one we do not take is `NotSupported`;
unparseable frames are answered with the dialect's format-violation code and message id
"-1" when no id can be read; the connection always stays up.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import orjson

from chargegrid.errors import (
    ChargeGridError,
    CommandRejectedError,
    CommandTimeoutError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    StationOfflineError,
)
from chargegrid.ocpp.dialect import Dialect
from chargegrid.ocpp.errors import RpcError
from chargegrid.ocpp.schemas import validate_request

log = logging.getLogger(__name__)

CALL, CALLRESULT, CALLERROR = 2, 3, 4
MAX_ID_LENGTH = 36
_ID_PATTERN = re.compile(r'^\s*\[\s*\d+\s*,\s*"([^"\\]{1,36})"')

Handler = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
Sender = Callable[[str], Awaitable[None]]


def _dumps(frame: list[Any]) -> str:
    """Compact JSON text; orjson for speed, the standard library for what orjson refuses
    (integers beyond 64 bits, non-string keys), so every frame we could send before still
    goes out."""
    try:
        return orjson.dumps(frame).decode()
    except TypeError:
        return json.dumps(frame, separators=(",", ":"), ensure_ascii=False)


def _loads(text: str) -> Any:
    """Parse a frame with orjson (parsing was a tenth of the loop's work per message); what
    orjson refuses (NaN, integers beyond 64 bits, lone surrogates) goes to the standard
    library, so exactly the frames accepted before are accepted now."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


class RpcEndpoint:
    """One station's RPC session; handlers map actions to coroutines on camelCase payloads."""

    def __init__(self, dialect: Dialect, routes: dict[str, Handler], send: Sender, *,
                 max_message_bytes: int, station_id: str) -> None:
        self.dialect = dialect
        self._routes = routes
        self._send = send
        self._max_bytes = max_message_bytes
        self._station_id = station_id
        self._pending: dict[str, asyncio.Future[Any]] = {}
        self._call_lock = asyncio.Lock()
        self.gate: Callable[[str], None] | None = None

    async def on_frame(self, raw: str | bytes) -> None:
        """Handle one received frame; never raises."""
        try:
            await self._on_frame(raw)
        except Exception:  # pragma: no cover - last line of defence for the connection
            log.exception("%s: unexpected error on a frame", self._station_id)

    async def _on_frame(self, raw: str | bytes) -> None:
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        if len(text.encode()) > self._max_bytes:
            await self._error(self._id_of(text), self.dialect.format_violation,
                              f"message exceeds {self._max_bytes} bytes")
            return
        try:
            frame = _loads(text)
        except ValueError:
            await self._error(self._id_of(text), self.dialect.format_violation,
                              "message is not valid JSON")
            return
        if not isinstance(frame, list) or not frame or not isinstance(frame[0], int) or (
            isinstance(frame[0], bool)
        ):
            await self._error(self._id_of(text), self.dialect.format_violation,
                              "message must be a JSON array starting with a MessageTypeId")
            return
        kind = frame[0]
        if kind == CALL:
            await self._on_call(frame)
        elif kind in (CALLRESULT, CALLERROR):
            self._on_reply(frame)
        else:
            unique = frame[1] if len(frame) > 1 and isinstance(frame[1], str) else "-1"
            await self._error(unique, self.dialect.unknown_message_type,
                              f"MessageTypeId {kind} is not supported")

    async def _on_call(self, frame: list[Any]) -> None:
        if len(frame) != 4 or not isinstance(frame[1], str) or not isinstance(frame[2], str):
            unique = frame[1] if len(frame) > 1 and isinstance(frame[1], str) else "-1"
            await self._error(unique[:MAX_ID_LENGTH], self.dialect.format_violation,
                              "a CALL is [2, uniqueId, action, payload]")
            return
        _, unique, action, payload = frame
        if not unique or len(unique) > MAX_ID_LENGTH:
            await self._error("-1", self.dialect.format_violation,
                              "uniqueId must be 1..36 characters")
            return
        if action not in self.dialect.actions:
            await self._error(unique, "NotImplemented", f"unknown action {action[:64]!r}")
            return
        handler = self._routes.get(action)
        if handler is None:
            await self._error(unique, "NotSupported",
                              f"{action} is not accepted from a charging station")
            return
        if not isinstance(payload, dict):
            await self._error(unique, self.dialect.format_violation, "payload must be an object")
            return
        try:
            if self.gate is not None:
                self.gate(action)
            validate_request(self.dialect, action, payload)
            result = await handler(payload)
        except RpcError as err:
            await self._error(unique, err.code, err.description, err.details)
            return
        except ChargeGridError as err:
            await self._error(unique, _code_for_domain_error(self.dialect, err), err.message)
            return
        except Exception:
            log.exception("%s: handler for %s failed", self._station_id, action)
            await self._error(unique, "InternalError", f"{action} could not be processed")
            return
        await self._send(_dumps([CALLRESULT, unique, result]))

    def _on_reply(self, frame: list[Any]) -> None:
        if len(frame) < 3 or not isinstance(frame[1], str):
            log.warning("%s: malformed reply dropped: %.200s", self._station_id, frame)
            return
        future = self._pending.pop(frame[1], None)
        if future is None or future.done():
            log.info("%s: reply to unknown or expired call %s", self._station_id, frame[1])
            return
        if frame[0] == CALLRESULT:
            payload = frame[2]
            future.set_result(payload if isinstance(payload, dict) else {})
        else:
            code = frame[2] if isinstance(frame[2], str) else "GenericError"
            description = frame[3] if len(frame) > 3 and isinstance(frame[3], str) else ""
            future.set_exception(CommandRejectedError(f"{code}: {description}".strip(": ")))

    async def call(self, action: str, payload: dict[str, Any], timeout_s: float) -> dict[str, Any]:
        """Send a CALL and wait for its answer; one outstanding CALL at a time (OCPP-J)."""
        async with self._call_lock:
            unique = str(uuid.uuid4())
            future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            self._pending[unique] = future
            try:
                await self._send(_dumps([CALL, unique, action, payload]))
                return dict(await asyncio.wait_for(future, timeout_s))
            except TimeoutError as err:
                raise CommandTimeoutError(
                    f"{self._station_id} did not answer {action} within {timeout_s:g} s"
                ) from err
            finally:
                self._pending.pop(unique, None)

    def fail_pending(self) -> None:
        """The socket is gone: every waiting command fails now, not at its timeout."""
        for future in self._pending.values():
            if not future.done():
                future.set_exception(StationOfflineError(
                    f"station {self._station_id!r} disconnected"))
        self._pending.clear()

    async def _error(self, unique: str, code: str, description: str,
                     details: dict[str, Any] | None = None) -> None:
        await self._send(_dumps([CALLERROR, unique, code, description[:255], details or {}]))

    @staticmethod
    def _id_of(text: str) -> str:
        match = _ID_PATTERN.match(text)
        return match.group(1) if match else "-1"


def _code_for_domain_error(dialect: Dialect, err: ChargeGridError) -> str:
    if isinstance(err, InvalidInputError):
        return "PropertyConstraintViolation"
    if isinstance(err, PermissionDeniedError):
        return "SecurityError"
    if isinstance(err, NotFoundError):
        return "GenericError"
    return "InternalError"
