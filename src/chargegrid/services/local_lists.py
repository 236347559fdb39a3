"""Local Authorization Lists: what each enrolled station should hold, what it holds, and the
updates that bring one to the other.

A station's list holds every token that may charge now (status Accepted, not expired).
Changing a token (blocking a lost card, a new expiry, an import) queues it for every
enrolled station; `LocalListSync` then sends a Differential SendLocalList with only those
tokens (a blocked card goes out as a removal), or a Full list when the station's reported
version is not the one we recorded (first contact, a reset station, a VersionMismatch).
The new version and the entries are recorded only when the station answers Accepted, so
an offline or refusing station keeps its pending changes and gets them at its next
connection.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection, Coroutine
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, Literal, TypeVar

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from chargegrid.bus.events import Event, StationConnected
from chargegrid.clock import Clock
from chargegrid.domain.commands import (
    ClearCache,
    GetLocalListVersion,
    LocalListEntry,
    SendLocalList,
)
from chargegrid.errors import ChargeGridError, NotFoundError
from chargegrid.store.in_lists import in_lists
from chargegrid.store.models import IdToken, Station
from chargegrid.store.models.local_lists import LocalListHeld, LocalListPending, LocalListState
from chargegrid.store.writer import BatchWriter

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ListUpdate:
    """One SendLocalList to make, and the pending changes it settles once Accepted."""

    station_id: str
    update_type: Literal["Full", "Differential"]
    version: int
    entries: tuple[LocalListEntry, ...]
    planned_at: datetime
    # Takes a token out of the list: the station's Authorization Cache may still say
    # Accepted for it, so the cache is cleared too once the update is accepted.
    removes: bool = False


# -- what is stored ---------------------------------------------------------------------------


def enable(session: Session, *, station_id: str) -> LocalListState:
    """Manage this station's local list from now on; its first push is a Full list."""
    if session.get(Station, station_id) is None:
        raise NotFoundError(f"station {station_id!r} does not exist")
    state = session.get(LocalListState, station_id)
    if state is None:
        state = LocalListState(station_id=station_id, enabled=True, version=None)
        session.add(state)
    state.enabled = True
    session.flush()
    return state


def get_state(session: Session, *, station_id: str) -> LocalListState | None:
    """The station's list state, or None when we do not manage its list."""
    return session.get(LocalListState, station_id)


def held_tokens(session: Session, *, station_id: str) -> dict[str, LocalListHeld]:
    """The tokens the station's list holds, as it last accepted them."""
    rows = session.scalars(select(LocalListHeld).where(LocalListHeld.station_id == station_id))
    return {row.token: row for row in rows}


def pending_tokens(session: Session, *, station_id: str) -> set[str]:
    """Tokens changed since the station's list was last brought up to date."""
    return set(session.scalars(select(LocalListPending.token)
                               .where(LocalListPending.station_id == station_id)))


def queue_tokens(session: Session, *, tokens: Collection[str], now: datetime) -> int:
    """Mark changed tokens as pending for every enrolled station (in the caller's
    transaction, so a change and its queueing commit together); returns rows touched."""
    stations = list(session.scalars(select(LocalListState.station_id)
                                    .where(LocalListState.enabled.is_(True))))
    if not stations or not tokens:
        return 0
    wanted = set(tokens)
    existing: set[tuple[str, str]] = set()
    for chunk in in_lists(sorted(wanted)):
        existing.update((s, t) for s, t in session.execute(
            select(LocalListPending.station_id, LocalListPending.token)
            .where(LocalListPending.token.in_(chunk))))
    if existing:
        # A newer change of a token already queued: moving queued_at forward keeps an
        # update already in flight from settling it.
        for chunk in in_lists(sorted({t for _, t in existing})):
            session.execute(update(LocalListPending).where(LocalListPending.token.in_(chunk))
                            .values(queued_at=now))
    new = [{"station_id": s, "token": t, "queued_at": now}
           for s in stations for t in sorted(wanted) if (s, t) not in existing]
    if new:
        session.execute(insert(LocalListPending), new)
    return len(new) + len(existing)


def desired_entries(session: Session, *, now: datetime, organisation_id: int,
                    tokens: Collection[str] | None = None) -> dict[str, LocalListEntry]:
    """The entries a list should hold: the organisation's tokens that may charge now
    (Accepted, not expired), all of them or only those among `tokens`."""
    query = select(IdToken.token, IdToken.expires_at, IdToken.parent_id_tag).where(
        IdToken.status == "Accepted", IdToken.organisation_id == organisation_id)
    rows: list[tuple[str, datetime | None, str | None]] = []
    if tokens is None:
        rows.extend((r[0], r[1], r[2]) for r in session.execute(query))
    else:
        for chunk in in_lists(sorted(set(tokens))):
            rows.extend((r[0], r[1], r[2])
                        for r in session.execute(query.where(IdToken.token.in_(chunk))))
    return {token: LocalListEntry(token, "Accepted", expiry, parent)
            for token, expiry, parent in rows if expiry is None or expiry > now}


def plan_update(session: Session, *, station_id: str, station_version: int | None,
                now: datetime) -> ListUpdate | None:
    """The update that brings the station's list up to date; None when we do not manage it.

    Full when we have no recorded version or the station reports another one (it was reset,
    or someone else wrote its list); otherwise Differential with the pending tokens only,
    which may be empty (nothing to send)."""
    state = session.get(LocalListState, station_id)
    station = session.get(Station, station_id)
    if state is None or not state.enabled or station is None:
        return None
    org = station.organisation_id
    base = max(state.version or 0, station_version or 0)
    if state.version is None or station_version != state.version:
        entries = tuple(sorted(desired_entries(session, now=now, organisation_id=org).values(),
                               key=lambda e: e.id_tag))
        dropped = set(held_tokens(session, station_id=station_id)) - {e.id_tag for e in entries}
        return ListUpdate(station_id, "Full", base + 1, entries, now, removes=bool(dropped))
    pending = pending_tokens(session, station_id=station_id)
    want = desired_entries(session, now=now, organisation_id=org, tokens=pending)
    held = held_tokens(session, station_id=station_id)
    changes: list[LocalListEntry] = []
    for token in sorted(pending):
        entry, row = want.get(token), held.get(token)
        if entry is not None and (row is None or _as_entry(row) != entry):
            changes.append(entry)
        elif entry is None and row is not None:
            changes.append(LocalListEntry(token))  # no idTagInfo: remove from the list
    return ListUpdate(station_id, "Differential", base + 1 if changes else base,
                      tuple(changes), now, removes=any(e.status is None for e in changes))


def record_accepted(session: Session, *, plan: ListUpdate, now: datetime) -> None:
    """The station accepted `plan`: store what it now holds, its version, and settle the
    pending changes queued before the plan was made."""
    station_id = plan.station_id
    if plan.update_type == "Full":
        session.execute(delete(LocalListHeld).where(LocalListHeld.station_id == station_id))
        if plan.entries:
            session.execute(insert(LocalListHeld), [_held_row(station_id, e)
                                                     for e in plan.entries])
    else:
        held = held_tokens(session, station_id=station_id)
        for entry in plan.entries:
            row = held.get(entry.id_tag)
            if entry.status is None:
                if row is not None:
                    session.delete(row)
            elif row is None:
                session.add(LocalListHeld(**_held_row(station_id, entry)))
            else:
                row.status, row.expires_at = entry.status, entry.expiry
                row.parent_id_tag = entry.parent_id_tag
    session.execute(delete(LocalListPending).where(
        LocalListPending.station_id == station_id, LocalListPending.queued_at <= plan.planned_at))
    _note(session, station_id, "accepted", None, now, version=plan.version)


def record_outcome(session: Session, *, station_id: str, outcome: str, error: str | None,
                   now: datetime) -> None:
    """Remember a failed or skipped attempt; pending changes stay queued."""
    _note(session, station_id, outcome, error, now)


def _note(session: Session, station_id: str, outcome: str, error: str | None, now: datetime,
          version: int | None = None) -> None:
    state = session.get(LocalListState, station_id)
    if state is None:
        return
    state.attempted_at, state.last_outcome, state.last_error = now, outcome, error
    if version is not None:
        state.version, state.synced_at = version, now
        session.execute(update(Station).where(Station.id == station_id)
                        .values(local_list_version=version))
    session.flush()


def _managed(session: Session, *, station_id: str) -> bool:
    state = session.get(LocalListState, station_id)
    return state is not None and state.enabled


def stations_with_pending(session: Session, *, fresh_only: bool = False) -> list[str]:
    """Enrolled stations that have changes waiting. `fresh_only`: leave out stations whose
    last attempt failed and that got nothing new since (they are retried on reconnect, not
    hammered by the sweep)."""
    query = (select(LocalListPending.station_id).distinct()
             .join(LocalListState, LocalListState.station_id == LocalListPending.station_id)
             .where(LocalListState.enabled.is_(True)))
    if fresh_only:
        query = query.where(or_(LocalListState.attempted_at.is_(None),
                                LocalListState.last_outcome == "accepted",
                                LocalListPending.queued_at > LocalListState.attempted_at))
    return list(session.scalars(query.order_by(LocalListPending.station_id)))


def _as_entry(row: LocalListHeld) -> LocalListEntry:
    return LocalListEntry(row.token, row.status, row.expires_at, row.parent_id_tag)


def _held_row(station_id: str, entry: LocalListEntry) -> dict[str, Any]:
    return {"station_id": station_id, "token": entry.id_tag, "status": entry.status,
            "expires_at": entry.expiry, "parent_id_tag": entry.parent_id_tag}


# -- pushing to stations ----------------------------------------------------------------------


class LocalListSync:
    """Brings stations' lists up to date through the command path.

    One per runtime: `attach(bus)` makes every (re)connection trigger a sync after
    `connect_delay_s` (time for the BootNotification) and starts the sweep that finds
    changes made by other processes; `push_pending()` is what a change in this process
    (a blocked card) calls once its transaction is committed."""

    def __init__(self, *, sessions: sessionmaker[Session], commands: Any, clock: Clock,
                 is_connected: Callable[[str], bool], writer: BatchWriter | None = None,
                 connect_delay_s: float = 0.5, sweep_period_s: float = 2.0) -> None:
        self._sessions = sessions
        self._writer = writer
        self._commands = commands
        self._clock = clock
        self._is_connected = is_connected
        self._connect_delay = connect_delay_s
        self._sweep_period = sweep_period_s
        self._sweeping = False
        self._locks: dict[str, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task[Any]] = set()

    def attach(self, bus: Any) -> LocalListSync:
        """Subscribe to the bus so a reconnecting station gets what it missed."""
        bus.subscribe(self._on_event)
        return self

    def _on_event(self, event: Event) -> None:
        if isinstance(event, StationConnected):
            self._spawn(self._after_connect(event.station_id))
            self._start_sweep()

    def _start_sweep(self) -> None:
        """Changes made outside this process (the CLI, another node) are found by a sweep
        every `sweep_period_s` while the writer runs; it ends with the writer."""
        if self._sweeping or self._writer is None or not self._writer.running:
            return
        self._sweeping = True
        self._spawn(self._sweep())

    async def _sweep(self) -> None:
        tick, waited = 0.1, 0.0
        try:
            while self._writer is not None and self._writer.running:
                await asyncio.sleep(tick)
                waited += tick
                if waited < self._sweep_period:
                    continue
                waited = 0.0
                try:
                    await self.push_pending(fresh_only=True)
                except Exception:  # a failing sweep must not stop the next one
                    log.exception("local-list sweep failed")
        finally:
            self._sweeping = False

    async def _after_connect(self, station_id: str) -> None:
        await asyncio.sleep(self._connect_delay)
        try:
            await self.sync(station_id)
        except Exception:  # e.g. the writer closed by a shutdown meanwhile: next connection
            log.warning("local-list sync of %s after connecting failed", station_id,
                        exc_info=True)

    def _spawn(self, job: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.get_running_loop().create_task(job)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def push_pending(self, *, fresh_only: bool = False) -> dict[str, str]:
        """Sync every connected enrolled station with pending changes, concurrently."""
        waiting = await self._db(partial(stations_with_pending, fresh_only=fresh_only))
        ids = [s for s in waiting if self._is_connected(s)]
        outcomes = await asyncio.gather(*(self.sync(s) for s in ids))
        return dict(zip(ids, outcomes, strict=True))

    async def sync(self, station_id: str) -> str:
        """Bring one station's list up to date; returns the outcome ("accepted",
        "up_to_date", "not_managed", "unsupported", "offline", or the station's refusal)."""
        lock = self._locks.setdefault(station_id, asyncio.Lock())
        async with lock:
            try:
                return await self._sync(station_id)
            except ChargeGridError as err:
                outcome = "offline" if err.code == "station_offline" else err.code
                await self._note(station_id, outcome, err.message)
                return outcome

    async def _sync(self, station_id: str) -> str:
        if not await self._db(partial(_managed, station_id=station_id)):
            return "not_managed"
        _, answer = await self._commands.send(station_id, GetLocalListVersion(),
                                              requested_by="local-lists")
        reported = answer.data.get("list_version")
        if reported is None or int(reported) < 0:
            await self._note(station_id, "unsupported", "station has no local list")
            return "unsupported"
        station_version: int | None = int(reported)
        for _attempt in range(2):
            plan = await self._db(partial(plan_update, station_id=station_id,
                                          station_version=station_version,
                                          now=self._clock.now()))
            if plan is None:
                return "not_managed"
            if plan.update_type == "Differential" and not plan.entries:
                await self._db(partial(record_accepted, plan=plan, now=self._clock.now()))
                return "up_to_date"
            _, result = await self._commands.send(
                station_id, SendLocalList(version=plan.version, update_type=plan.update_type,
                                          entries=plan.entries), requested_by="local-lists")
            if result.status == "Accepted":
                await self._db(partial(record_accepted, plan=plan, now=self._clock.now()))
                if plan.removes:
                    await self._clear_cache(station_id)
                return "accepted"
            if result.status == "VersionMismatch" and plan.update_type == "Differential":
                station_version = None  # the station disagrees: send a Full list instead
                continue
            await self._note(station_id, str(result.status), None)
            return str(result.status)
        return "VersionMismatch"

    async def _clear_cache(self, station_id: str) -> None:
        """Best effort: the list is right either way, and the command's outcome (refused,
        offline) is in the audit log."""
        try:
            await self._commands.send(station_id, ClearCache(), requested_by="local-lists")
        except ChargeGridError as err:
            log.warning("ClearCache to %s after a removal failed: %s", station_id, err.message)

    async def _note(self, station_id: str, outcome: str, error: str | None) -> None:
        await self._db(partial(record_outcome, station_id=station_id, outcome=outcome,
                               error=error, now=self._clock.now()))

    async def _db(self, job: Callable[[Session], T]) -> T:
        # Through the group-commit writer when it runs (one SQLite writer, no lock fights).
        if self._writer is not None and self._writer.running:
            return await self._writer.submit(job)
        return await asyncio.to_thread(self._alone, job)

    def _alone(self, job: Callable[[Session], T]) -> T:
        with self._sessions(expire_on_commit=False) as session:
            result = job(session)
            session.commit()
            return result
