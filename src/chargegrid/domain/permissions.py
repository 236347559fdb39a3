"""Who may do what: the one definition of roles and permissions (action × resource × scope).

Everything that decides access reads `PERMISSIONS` through `scope_for` — the API dependency,
the permission-matrix test and the roles table in docs/accounts.md — so changing a role
means changing this table and nothing else. Pure: no database, no web framework.

Scopes, widest first:
- ORGANISATION: every object of the caller's organisation; an operator admin's organisation
  scope also covers its subsidiaries (organisations whose parent chain leads to it).
- SITES: only objects on sites another organisation granted to the caller's (access grants);
  used by installer companies.
- OWN: only the caller's own objects (a driver's cards, sessions, vehicles, own user record).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum, StrEnum


class Role(StrEnum):
    OPERATOR_ADMIN = "operator_admin"
    SITE_MANAGER = "site_manager"
    INSTALLER = "installer"
    ACCOUNTANT = "accountant"
    DRIVER = "driver"
    READ_ONLY = "read_only"


class Action(StrEnum):
    READ = "read"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    EXECUTE = "execute"  # remote actions on stations (OCPP commands)
    EXPORT = "export"


class Resource(StrEnum):
    ORGANISATION = "organisation"
    USER = "user"
    USER_GROUP = "user_group"
    COST_CENTRE = "cost_centre"
    VEHICLE = "vehicle"
    ID_TOKEN = "id_token"
    SITE = "site"
    SITE_CONTROL = "site_control"
    STATION = "station"
    COMMAND = "command"
    TRANSACTION = "transaction"
    ACCESS_GRANT = "access_grant"
    CHARGING_RULE = "charging_rule"
    AUDIT_LOG = "audit_log"
    BILLING = "billing"
    REPORT = "report"
    # Installation-wide settings (webhooks, integrations): operator admins only.
    SETTINGS = "settings"


class Scope(IntEnum):
    """Ordered so that a larger value is a wider scope."""

    OWN = 1
    SITES = 2
    ORGANISATION = 3


# Only objects that live on a site can be reached through an access grant.
SITE_BOUND = frozenset({Resource.SITE, Resource.SITE_CONTROL, Resource.STATION,
                        Resource.COMMAND, Resource.TRANSACTION})
# Roles an access grant may carry (what the grantee's staff may do on the granted sites).
GRANTABLE_ROLES = frozenset({Role.SITE_MANAGER, Role.INSTALLER, Role.READ_ONLY})

_R, _A, _S = Resource, Action, Scope
_ALL_ACTIONS = tuple(Action)
_READ = (Action.READ,)
_WRITE = (Action.CREATE, Action.UPDATE, Action.DELETE)


def _grant(scope: Scope, resources: tuple[Resource, ...],
           actions: tuple[Action, ...]) -> dict[tuple[Resource, Action], Scope]:
    return {(r, a): scope for r in resources for a in actions}


PERMISSIONS: Mapping[Role, Mapping[tuple[Resource, Action], Scope]] = {
    Role.OPERATOR_ADMIN: _grant(_S.ORGANISATION, tuple(Resource), _ALL_ACTIONS),
    Role.SITE_MANAGER: {
        **_grant(_S.ORGANISATION, (_R.SITE, _R.STATION, _R.SITE_CONTROL, _R.TRANSACTION,
                                   _R.COMMAND, _R.ID_TOKEN, _R.USER, _R.USER_GROUP,
                                   _R.VEHICLE, _R.CHARGING_RULE, _R.COST_CENTRE,
                                   _R.ACCESS_GRANT), _READ),
        **_grant(_S.ORGANISATION, (_R.SITE, _R.STATION), (_A.UPDATE,)),
        **_grant(_S.ORGANISATION, (_R.SITE_CONTROL, _R.ID_TOKEN, _R.CHARGING_RULE), _WRITE),
        (_R.COMMAND, _A.EXECUTE): _S.ORGANISATION,
        (_R.TRANSACTION, _A.EXPORT): _S.ORGANISATION,
    },
    Role.INSTALLER: {
        # Diagnosis and commissioning, only on sites granted to the installer's company.
        **_grant(_S.SITES, (_R.SITE, _R.STATION, _R.SITE_CONTROL, _R.COMMAND), _READ),
        (_R.STATION, _A.UPDATE): _S.SITES,
        (_R.COMMAND, _A.EXECUTE): _S.SITES,
    },
    Role.ACCOUNTANT: {
        **_grant(_S.ORGANISATION, (_R.TRANSACTION, _R.STATION, _R.SITE, _R.ID_TOKEN, _R.USER,
                                   _R.USER_GROUP, _R.COST_CENTRE, _R.VEHICLE, _R.BILLING,
                                   _R.REPORT), _READ),
        **_grant(_S.ORGANISATION, (_R.TRANSACTION, _R.BILLING, _R.REPORT), (_A.EXPORT,)),
        **_grant(_S.ORGANISATION, (_R.BILLING, _R.COST_CENTRE), (_A.CREATE, _A.UPDATE)),
    },
    Role.DRIVER: {
        **_grant(_S.OWN, (_R.USER, _R.ID_TOKEN, _R.TRANSACTION, _R.VEHICLE, _R.BILLING),
                 _READ),
        **_grant(_S.OWN, (_R.VEHICLE,), _WRITE),
        (_R.TRANSACTION, _A.EXPORT): _S.OWN,
    },
    # A read-only API client (dashboards, exports) reads and exports everything of its
    # organisation, and changes nothing.
    Role.READ_ONLY: _grant(_S.ORGANISATION, tuple(Resource), (_A.READ, _A.EXPORT)),
}


def parse_role(value: str) -> Role:
    """The role named `value`; ValueError naming the valid roles otherwise."""
    try:
        return Role(value)
    except ValueError:
        raise ValueError(f"unknown role {value!r}; one of {', '.join(Role)}") from None


def scope_for(role: str, resource: Resource, action: Action) -> Scope | None:
    """The widest scope in which `role` may do `action` on `resource`, None if never."""
    try:
        table = PERMISSIONS[Role(role)]
    except ValueError:
        return None
    return table.get((resource, action))


def grant_allows(grant_role: str, user_role: str, resource: Resource, action: Action) -> bool:
    """Whether a grantee's user may do this on a granted site: the resource must live on a
    site, and both the grant's role and the user's own role must allow it (a grant never
    lifts a user above their role, nor a role above the grant)."""
    if resource not in SITE_BOUND:
        return False
    return (scope_for(grant_role, resource, action) is not None
            and scope_for(user_role, resource, action) is not None)


def matrix() -> list[tuple[Role, Resource, Action, Scope | None]]:
    """Every role × resource × action with its scope (None = denied): the table the docs
    print and the matrix test walks."""
    return [(role, res, act, scope_for(role, res, act))
            for role in Role for res in Resource for act in Action]


_LETTER = {Action.READ: "R", Action.CREATE: "C", Action.UPDATE: "U", Action.DELETE: "D",
           Action.EXECUTE: "X", Action.EXPORT: "E"}
_SCOPE_NOTE = {Scope.ORGANISATION: "", Scope.SITES: " (granted sites)", Scope.OWN: " (own)"}


def markdown_table() -> str:
    """The roles table of docs/accounts.md, generated from `PERMISSIONS` (a test keeps the
    document equal to it). Letters: R read, C create, U update, D delete, X execute remote
    action, E export; no note = the organisation and its subsidiaries."""
    lines = ["| resource | " + " | ".join(role.value for role in Role) + " |",
             "|---" * (len(Role) + 1) + "|"]
    for res in Resource:
        cells = []
        for role in Role:
            granted = [(act, scope_for(role, res, act)) for act in Action]
            letters = "".join(_LETTER[a] for a, s in granted if s is not None)
            scopes = {s for _, s in granted if s is not None}
            note = "".join(_SCOPE_NOTE[s] for s in sorted(scopes, reverse=True))
            cells.append(letters + note if letters else "–")
        lines.append(f"| {res.value} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
