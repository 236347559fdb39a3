"""ADVENIR configuration: accounts (UserID, credentials, server) and the funded charge points
with the StationID declared for each at installation. Plain functions of a Session.

Configuring is an upsert: running the same `configure` twice changes nothing, and a value
not given is left as it was, so an operator can rotate a password without retyping the rest.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from chargegrid.errors import InvalidInputError, NotFoundError
from chargegrid.services import stations
from chargegrid.store.models import AdvenirAccount, AdvenirOperation, AdvenirStation

PRODUCTION_URL = "https://mon.advenir.mobi"
AUTH_MODES = ("basic", "certificate")
ACCOUNT_FORMATS = ("auto", "operation")
MAX_BATCH = 10_000


def sandbox_url(prefix: str) -> str:
    """The test server ADVENIR assigns per operator IP: `https://<prefix>.webservicetest...`."""
    return f"https://{prefix}.webservicetest.advenir.mobi"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def validate_base_url(url: str) -> str:
    """HTTPS only (Basic auth would travel in clear otherwise), except on loopback (tests)."""
    parts = urlsplit(url)
    if not parts.hostname or parts.scheme not in ("https", "http"):
        raise InvalidInputError(f"base_url: not an http(s) URL: {url!r}")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise InvalidInputError("base_url: must be https:// (credentials travel with it)")
    return url.rstrip("/")


def resolve_password(account: AdvenirAccount,
                     environ: Mapping[str, str] | None = None) -> str | None:
    """The Basic-auth password; `env:NAME` reads it from the environment at send time."""
    secret = account.basic_password
    if secret is not None and secret.startswith("env:"):
        name = secret[4:]
        value = (os.environ if environ is None else environ).get(name)
        if value is None:
            raise InvalidInputError(f"account {account.name}: environment variable {name} "
                                    "holding the ADVENIR password is not set")
        return value
    return secret


def _validate(account: AdvenirAccount) -> None:
    if not account.user_id.strip():
        raise InvalidInputError("user_id: the ADVENIR UserID is required")
    if account.auth_mode not in AUTH_MODES:
        raise InvalidInputError(f"auth_mode: one of {', '.join(AUTH_MODES)}")
    if account.auth_mode == "basic" and not (account.basic_user and account.basic_password):
        raise InvalidInputError("basic auth needs a user and a password")
    if account.auth_mode == "certificate" and not (account.client_cert_path
                                                   and account.client_key_path):
        raise InvalidInputError("certificate auth needs a client certificate and key path")
    if account.format not in ACCOUNT_FORMATS:
        raise InvalidInputError(f"format: one of {', '.join(ACCOUNT_FORMATS)}")
    if not 1 <= account.batch_size <= MAX_BATCH:
        raise InvalidInputError(f"batch_size: 1..{MAX_BATCH}")
    if account.timeout_s <= 0:
        raise InvalidInputError("timeout_s: must be positive")
    account.base_url = validate_base_url(account.base_url)


def configure_account(
    session: Session, *, name: str, now: datetime, user_id: str | None = None,
    base_url: str | None = None, auth_mode: str | None = None,
    basic_user: str | None = None, basic_password: str | None = None,
    client_cert_path: str | None = None, client_key_path: str | None = None,
    format: str | None = None, batch_size: int | None = None,
    timeout_s: float | None = None, enabled: bool | None = None,
) -> AdvenirAccount:
    """Create the account or change the given fields of an existing one."""
    account = get_account(session, name=name)
    if account is None:
        account = AdvenirAccount(name=name, user_id="", auth_mode="basic",
                                 base_url=PRODUCTION_URL, format="auto", enabled=True,
                                 batch_size=500, timeout_s=60.0, created_at=now)
        session.add(account)
    changes = {
        "user_id": user_id, "base_url": base_url, "auth_mode": auth_mode,
        "basic_user": basic_user, "basic_password": basic_password,
        "client_cert_path": client_cert_path, "client_key_path": client_key_path,
        "format": format, "batch_size": batch_size, "timeout_s": timeout_s,
        "enabled": enabled,
    }
    for field, value in changes.items():
        if value is not None:
            setattr(account, field, value)
    account.updated_at = now
    _validate(account)
    session.flush()
    return account


def get_account(session: Session, *, name: str) -> AdvenirAccount | None:
    """Return the account or None."""
    return session.scalars(select(AdvenirAccount).where(AdvenirAccount.name == name)).first()


def get_account_by_name_or_raise(session: Session, *, name: str) -> AdvenirAccount:
    """Return the account or raise NotFoundError."""
    account = get_account(session, name=name)
    if account is None:
        raise NotFoundError(f"ADVENIR account {name!r} is not configured")
    return account


def list_accounts(session: Session) -> list[AdvenirAccount]:
    """All accounts, by name."""
    return list(session.scalars(select(AdvenirAccount).order_by(AdvenirAccount.name)))


def map_station(
    session: Session, *, account_name: str, station_id: str, advenir_station_id: str,
    now: datetime, evse_id: int | None = None, funded: bool = True,
    funded_since: datetime | None = None,
) -> AdvenirStation:
    """Declare a funded charge point (one EVSE, or the whole station when `evse_id` is
    None) and its ADVENIR StationID. Correcting a StationID re-keys the operations not yet
    acknowledged; acknowledged ones keep the key ADVENIR has."""
    account = get_account_by_name_or_raise(session, name=account_name)
    stations.get_or_raise(session, station_id=station_id)
    if not advenir_station_id.strip():
        raise InvalidInputError("advenir_station_id: the declared StationID is required")
    query = select(AdvenirStation).where(AdvenirStation.station_id == station_id)
    query = query.where(AdvenirStation.evse_id.is_(None) if evse_id is None
                        else AdvenirStation.evse_id == evse_id)
    mapping = session.scalars(query).first()
    if mapping is None:
        mapping = AdvenirStation(station_id=station_id, evse_id=evse_id, created_at=now,
                                 account_id=account.id, advenir_station_id=advenir_station_id)
        session.add(mapping)
    mapping.account_id = account.id
    mapping.funded = funded
    mapping.funded_since = funded_since
    if mapping.advenir_station_id != advenir_station_id:
        rekey = update(AdvenirOperation).where(
            AdvenirOperation.station_id == station_id,
            AdvenirOperation.advenir_station_id == mapping.advenir_station_id,
            AdvenirOperation.state == "pending",
        )
        if evse_id is not None:
            rekey = rekey.where(AdvenirOperation.evse_id == evse_id)
        session.execute(rekey.values(advenir_station_id=advenir_station_id))
        mapping.advenir_station_id = advenir_station_id
    session.flush()
    return mapping


def list_stations(session: Session, *, account_id: int | None = None) -> list[AdvenirStation]:
    """Declared charge points, by station and EVSE."""
    query = select(AdvenirStation)
    if account_id is not None:
        query = query.where(AdvenirStation.account_id == account_id)
    return list(session.scalars(query.order_by(AdvenirStation.station_id,
                                               AdvenirStation.evse_id)))
