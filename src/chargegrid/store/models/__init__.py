"""All tables; importing this package registers them on `Base.metadata` (Alembic needs that)."""

from chargegrid.store.models import billing  # noqa: F401  (registers the billing tables)
from chargegrid.store.models.accounts import ApiToken, User
from chargegrid.store.models.adhoc import AdhocSession
from chargegrid.store.models.advenir import (
    AdvenirAccount,
    AdvenirBatch,
    AdvenirOperation,
    AdvenirSession,
    AdvenirStation,
)
from chargegrid.store.models.auth import LoginAttempt, LoginSession, OidcIdentity, RecoveryCode
from chargegrid.store.models.base import Base
from chargegrid.store.models.commands import CommandRecord
from chargegrid.store.models.control import ExternalLimit, NodeLoadSample
from chargegrid.store.models.device_model import StationVariable
from chargegrid.store.models.id_tokens import IdToken
from chargegrid.store.models.local_lists import LocalListHeld, LocalListPending, LocalListState
from chargegrid.store.models.meter_values import MeterValue
from chargegrid.store.models.organisations import (
    AccessGrant,
    AuditEntry,
    ChargingRule,
    CostCentre,
    Organisation,
    UserGroup,
    UserGroupMember,
    Vehicle,
)
from chargegrid.store.models.sites import Site
from chargegrid.store.models.stations import (
    Connector,
    Evse,
    Station,
    StationConfigurationKey,
    StationEvent,
    StatusRecord,
)
from chargegrid.store.models.transactions import Reservation, Transaction, TransactionEvent
from chargegrid.store.models.webhooks import WebhookDelivery, WebhookEndpoint

__all__ = [
    "AccessGrant",
    "AdhocSession",
    "AdvenirAccount",
    "AdvenirBatch",
    "AdvenirOperation",
    "AdvenirSession",
    "AdvenirStation",
    "ApiToken",
    "AuditEntry",
    "Base",
    "ChargingRule",
    "CommandRecord",
    "Connector",
    "CostCentre",
    "Evse",
    "ExternalLimit",
    "IdToken",
    "LocalListHeld",
    "LocalListPending",
    "LocalListState",
    "LoginAttempt",
    "LoginSession",
    "MeterValue",
    "NodeLoadSample",
    "OidcIdentity",
    "Organisation",
    "RecoveryCode",
    "Reservation",
    "Site",
    "Station",
    "StationConfigurationKey",
    "StationEvent",
    "StationVariable",
    "StatusRecord",
    "Transaction",
    "TransactionEvent",
    "User",
    "UserGroup",
    "UserGroupMember",
    "Vehicle",
    "WebhookDelivery",
    "WebhookEndpoint",
]
