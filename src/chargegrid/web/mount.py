"""Wire the web pages onto an app: the payment provider from the settings, the ad-hoc
flow, templates and static files. Held on `app.state.web`, never module-level."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from typing import cast

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader, select_autoescape

from chargegrid.payments.provider import PaymentProvider
from chargegrid.payments.registry import PaymentRegistry, default_payment_registry
from chargegrid.runtime import Runtime
from chargegrid.services.adhoc import PriceLookup, tariff_price
from chargegrid.services.adhoc_sessions import AdhocFlow

STATIC_PREFIX = "/static/web"


@dataclass
class WebContext:
    runtime: Runtime
    provider: PaymentProvider
    flow: AdhocFlow
    templates: Jinja2Templates


def get_web(request: Request) -> WebContext:
    """The web context the app was built with."""
    return cast(WebContext, request.app.state.web)


def mount(app: FastAPI, runtime: Runtime, *, registry: PaymentRegistry | None = None,
          price_lookup: PriceLookup | None = None) -> WebContext:
    """Add the public pages to `app`; the price comes from the tariffs service unless a
    lookup is given (a deployment without tariffs shows "price on request")."""
    from chargegrid.web import pages, pay_test

    settings = runtime.settings
    provider = (registry or default_payment_registry()).create(settings.payment_provider,
                                                              settings)
    flow = AdhocFlow(sessions=runtime.sessions, commands=runtime.commands, provider=provider,
                     clock=runtime.clock, price_lookup=price_lookup or tariff_price,
                     hold=settings.adhoc_hold_amount,
                     start_timeout_s=settings.adhoc_start_timeout_s).attach(runtime.bus)
    env = Environment(loader=PackageLoader("chargegrid.web", "templates"),
                      autoescape=select_autoescape(["html"]))
    context = WebContext(runtime, provider, flow, Jinja2Templates(env=env))
    app.state.web = context
    app.mount(STATIC_PREFIX, StaticFiles(directory=str(files("chargegrid.web") / "static")),
              name="web-static")
    app.include_router(pages.router)
    app.include_router(pay_test.router)
    return context
