"""The four importable kinds: users, vehicles, id tokens (RFID cards) and stations.

Keys: a user's e-mail (case-insensitive), a vehicle's licence plate (within the
organisation), a card's token, a station's id. References are resolved within the
importing organisation: `user_email` must name a user already stored (import users
first), `site` a site's name.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chargegrid.domain.id_tokens import AuthorizationStatus
from chargegrid.domain.permissions import Role
from chargegrid.imports import fields as f
from chargegrid.imports.kind import Column, Kind, Record
from chargegrid.imports.report import RowError
from chargegrid.services import local_lists
from chargegrid.services.stations import STATION_ID_MAX
from chargegrid.store.models import IdToken, Site, Station, User, Vehicle

TOKEN_STATUSES = tuple(s.value for s in AuthorizationStatus
                       if s is not AuthorizationStatus.CONCURRENT_TX)
TOKEN_TYPES = ("ISO14443", "ISO15693", "KeyCode", "Local", "MacAddress", "eMAID", "Central",
               "NoAuthorization")
REGISTRATION = ("Accepted", "Pending", "Rejected")
ROLES = tuple(r.value for r in Role)


def _station_id(value: str) -> str:
    if len(value) > STATION_ID_MAX or any(c in value for c in "/?#") or not value.isprintable():
        raise f.CellError(f"must be 1..{STATION_ID_MAX} printable characters without / ? #")
    return value


def _resolve_users(session: Session, records: list[Record],
                   organisation_id: int) -> list[RowError]:
    """`user_email` → `user_id`, among the organisation's users."""
    if not any(r.values.get("user_email") for r in records):
        ids: dict[str, int] = {}
    else:  # one read of the organisation's users: cheaper than lookups by lower(email)
        ids = {str(email).lower(): int(uid) for email, uid in session.execute(
            select(User.email, User.id).where(User.organisation_id == organisation_id))}
    return _resolve(records, "user_email", "user_id", ids,
                    lambda email: f"no user {email!r} in organisation {organisation_id} "
                                  "(import users first)")


def _resolve_sites(session: Session, records: list[Record],
                   organisation_id: int) -> list[RowError]:
    """`site` (a site's name) → `site_id`, among the organisation's sites."""
    ids = {str(name): int(sid) for name, sid in session.execute(
        select(Site.name, Site.id).where(Site.organisation_id == organisation_id))}
    return _resolve(records, "site", "site_id", ids,
                    lambda name: f"no site named {name!r} in organisation {organisation_id}")


def _resolve(records: list[Record], field: str, target: str, ids: dict[str, int],
             unknown: Callable[[object], str]) -> list[RowError]:
    """Replace a reference column by the id it names (an empty cell clears it); a name
    that is not there is the row's error."""
    errors: list[RowError] = []
    for record in records:
        if field not in record.values:
            continue
        name = record.values.pop(field)
        if name is None:
            record.values[target] = None
        elif name in ids:
            record.values[target] = ids[name]
        else:
            errors.append(RowError(record.line, field, unknown(name)))
    return errors


def _queue_local_lists(session: Session, tokens: Collection[str], now: datetime) -> None:
    """Changed cards (a batch of lost ones blocked, say) reach the stations' local lists."""
    local_lists.queue_tokens(session, tokens=tokens, now=now)


def _label_from_plate(row: dict[str, Any]) -> None:
    if not row.get("label"):
        row["label"] = row["licence_plate"]


USERS = Kind(
    name="users", model=User, key="email", key_lowercase=True,
    columns=(
        Column("email", f.email, "email", required=True),
        Column("name", f.text(255), "name"),
        Column("role", f.choice(ROLES), "role"),
        Column("active", f.boolean, "active"),
    ),
    defaults={"role": Role.DRIVER.value, "active": True, "name": None},
    keep_when_empty=frozenset({"role", "active"}),
)

VEHICLES = Kind(
    name="vehicles", model=Vehicle, key="licence_plate", global_key=False,
    columns=(
        Column("licence_plate", f.plate, "licence_plate", required=True),
        Column("label", f.text(255), "label"),
        Column("vin", f.vin, "vin"),
        Column("user_email", f.email, "user_email"),
    ),
    defaults={"vin": None, "user_id": None},
    keep_when_empty=frozenset({"label"}),
    complete=_label_from_plate,
    resolve=_resolve_users,
)

TOKENS = Kind(
    name="tokens", model=IdToken, key="token",
    columns=(
        Column("token", f.text(36), "token", required=True),
        Column("status", f.choice(TOKEN_STATUSES), "status"),
        Column("expires_at", f.timestamp, "expires_at"),
        Column("parent_id_tag", f.text(36), "parent_id_tag"),
        Column("label", f.text(128), "label"),
        Column("token_type", f.choice(TOKEN_TYPES), "token_type"),
        Column("user_email", f.email, "user_email"),
    ),
    defaults={"status": "Accepted", "token_type": "ISO14443", "expires_at": None,
              "parent_id_tag": None, "label": None, "user_id": None},
    keep_when_empty=frozenset({"status", "token_type"}),
    stamps=("created_at", "updated_at"), updated_stamp="updated_at",
    resolve=_resolve_users, after_write=_queue_local_lists,
)

STATIONS = Kind(
    name="stations", model=Station, key="id",
    columns=(
        Column("id", _station_id, "id", required=True),
        Column("registration_status", f.choice(REGISTRATION), "registration_status"),
        Column("vendor", f.text(64), "vendor"),
        Column("model", f.text(64), "model"),
        Column("serial_number", f.text(64), "serial_number"),
        Column("max_current_a", f.number(1, 1000), "max_current_a"),
        Column("site", f.text(128), "site"),
        Column("node_id", f.text(48), "node_id"),
    ),
    defaults={"registration_status": "Accepted", "connected": False},
    keep_when_empty=frozenset({"registration_status"}),
    resolve=_resolve_sites,
)
