"""Assemble the REST API for a runtime: routers, authentication, error shape, OpenAPI."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI

from chargegrid import __version__, web
from chargegrid.api.deps import authorize_by_method
from chargegrid.api.errors import install_error_handlers
from chargegrid.api.routes import audit as audit_routes
from chargegrid.api.routes import auth as auth_routes
from chargegrid.api.routes import billing as billing_routes
from chargegrid.api.routes import (
    charging_rules,
    commands,
    grants,
    groups,
    health,
    id_tokens,
    organisations,
    qr,
    site_control,
    sites,
    stations,
    transactions,
    users,
    vehicles,
)
from chargegrid.api.routes import imports as import_routes
from chargegrid.api.routes import reports as report_routes
from chargegrid.api.routes import tariffs as tariff_routes
from chargegrid.api.routes import webhooks as webhook_routes
from chargegrid.imports import ImportRejectedError
from chargegrid.runtime import Runtime
from chargegrid.services.local_lists import LocalListSync
from chargegrid.services.pricing import AutoPricer

API_PREFIX = "/api/v1"


def create_app(runtime: Runtime) -> FastAPI:
    """Build the app; the caller owns the runtime's lifecycle (start and stop)."""
    app = FastAPI(
        title="ChargeGrid",
        version=__version__,
        summary="Charge point management: stations, id tokens, transactions, commands.",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.runtime = runtime
    # Reconnecting stations get the local-list changes they missed; id-token routes push.
    app.state.local_lists = LocalListSync(
        sessions=runtime.sessions, commands=runtime.commands, clock=runtime.clock,
        is_connected=runtime.registry.is_connected,
        writer=runtime.writer).attach(runtime.bus)
    # Sessions are priced right after they end, off the charger's path (docs/billing.md).
    app.state.auto_pricer = AutoPricer(runtime.sessions, runtime.clock).attach(runtime.bus)
    install_error_handlers(app)
    app.add_exception_handler(ImportRejectedError, import_routes.on_import_rejected)
    app.include_router(health.router, prefix=API_PREFIX)
    # Login, SSO and self-service (own session, MFA, tokens): any valid token, or none.
    auth_routes.install(app, runtime)
    app.include_router(auth_routes.public, prefix=API_PREFIX)
    app.include_router(auth_routes.router, prefix=API_PREFIX)
    # Everything else needs a token; writes need write permission unless a route is stricter.
    protected = APIRouter(prefix=API_PREFIX, dependencies=[Depends(authorize_by_method)])
    for module in (stations, id_tokens, transactions, commands, sites, site_control):
        protected.include_router(module.router)
    # Accounts: organisations, users, groups, cost centres, vehicles, grants, rules, audit.
    for module in (organisations, users, groups, vehicles, grants, charging_rules,
                   audit_routes):
        protected.include_router(module.router)
    protected.include_router(report_routes.router)
    protected.include_router(tariff_routes.router)
    protected.include_router(billing_routes.router)
    protected.include_router(webhook_routes.router)
    protected.include_router(qr.router)
    protected.include_router(import_routes.router)
    app.include_router(protected)
    # The driver-facing pages (QR-code ad-hoc charging): public, outside /api/v1.
    web.mount(app, runtime)
    return app
