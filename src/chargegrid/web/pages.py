"""Public ad-hoc charging pages: connector → payment → live progress → receipt.

Errors are pages here, not the API's JSON: a driver with a phone reads the message. The
session token in the URL is the only key to a session; pages are never cached and never
leak the URL as a referrer.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from chargegrid.api.errors import STATUS_BY_CODE
from chargegrid.errors import ChargeGridError, NotFoundError
from chargegrid.services import adhoc
from chargegrid.store.models.adhoc import AdhocState
from chargegrid.web.mount import WebContext, get_web

router = APIRouter(include_in_schema=False)
Web = Annotated[WebContext, Depends(get_web)]
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
EXTRA_STATUS = {"payment_declined": 402, "payment_error": 502, "payment_unverified": 400}


def status_of(err: ChargeGridError) -> int:
    return STATUS_BY_CODE.get(err.code) or EXTRA_STATUS.get(err.code, 500)


def render(web: WebContext, request: Request, name: str, status: int = 200,
           **context: Any) -> Response:
    return web.templates.TemplateResponse(request, name, context, status_code=status,
                                          headers=PRIVATE)


def error_page(web: WebContext, request: Request, err: ChargeGridError) -> Response:
    return render(web, request, "message.html", status_of(err), title="Sorry",
                  message=err.message)


def fmt(amount: Decimal, currency: str) -> str:
    return f"{amount:.2f} {currency}"


def unit_price(value: Decimal) -> str:
    """At least cents, more only where the tariff has them (0.40, 0.3875)."""
    exact = value.normalize()
    return f"{value:.2f}" if -exact.as_tuple().exponent <= 2 else f"{exact:f}"  # type: ignore[operator]


def price_lines(price: adhoc.AdhocPrice) -> list[str]:
    """The price in words, as the driver agrees to it."""
    c = price.currency
    lines = [f"{unit_price(price.energy_per_kwh)} {c} per kWh"]
    if price.time_per_hour:
        lines.append(f"{unit_price(price.time_per_hour)} {c} per hour")
    if price.session_fee:
        lines.append(f"{unit_price(price.session_fee)} {c} per session")
    if price.idle_per_hour:
        lines.append(f"{unit_price(price.idle_per_hour)} {c} per hour parked without "
                     f"charging after {price.idle_grace_minutes} min")
    lines.append(f"plus VAT {price.vat_rate * 100:.1f} %" if price.vat_rate else "no VAT")
    return lines


@router.get("/c/{station_id}/{connector_id}")
async def connector_page(station_id: str, connector_id: int, request: Request,
                         web: Web) -> Response:
    """The page a connector's QR code opens: availability, price, e-mail form."""
    return await _connector(web, request, station_id, connector_id)


async def _connector(web: WebContext, request: Request, station_id: str, connector_id: int,
                     *, error: str | None = None, email: str = "",
                     status: int = 200) -> Response:
    try:
        view, price = await web.flow.view(station_id, connector_id)
    except NotFoundError as err:
        return error_page(web, request, err)
    return render(web, request, "connector.html", status, view=view,
                  price=price_lines(price) if price else None,
                  hold=fmt(web.flow.hold, price.currency) if price else None,
                  error=error, email=email)


@router.post("/c/{station_id}/{connector_id}")
async def connector_pay(station_id: str, connector_id: int, request: Request, web: Web,
                        email: Annotated[str, Form()] = "") -> Response:
    """Create the session and its payment hold, then send the driver to pay."""
    try:
        checkout = await web.flow.begin(
            station_id=station_id, evse_id=connector_id, email=email,
            return_url=lambda token: str(request.url_for("session_return", token=token)))
    except ChargeGridError as err:
        return await _connector(web, request, station_id, connector_id, error=err.message,
                          email=email, status=status_of(err))
    return RedirectResponse(checkout.redirect_url, status_code=303, headers=PRIVATE)


@router.get("/s/{token}/return", name="session_return")
async def session_return(token: str, request: Request, web: Web) -> Response:
    """Back from the payment page: verified, then RemoteStart (or a clear failure)."""
    try:
        await web.flow.on_return(token, dict(request.query_params))
    except ChargeGridError as err:
        return error_page(web, request, err)
    return RedirectResponse(request.url_for("session_page", token=token), status_code=303,
                            headers=PRIVATE)


@router.get("/s/{token}", name="session_page")
async def session_page(token: str, request: Request, web: Web) -> Response:
    """Live progress (the page polls status.json), or why it failed."""
    try:
        row = await web.flow.refresh(token)
    except ChargeGridError as err:
        return error_page(web, request, err)
    if row.state == AdhocState.FINISHED.value:
        return RedirectResponse(request.url_for("session_receipt", token=token),
                                status_code=303, headers=PRIVATE)
    return render(web, request, "session.html", row=row,
                  hold=fmt(row.amount_held, row.currency),
                  status_url=request.url_for("session_status", token=token),
                  stop_url=request.url_for("session_stop", token=token),
                  receipt_url=request.url_for("session_receipt", token=token))


@router.get("/s/{token}/status.json", name="session_status")
async def session_status(token: str, web: Web) -> Response:
    """Live progress as JSON: state, kWh, duration, current cost (amounts as strings)."""
    try:
        row = await web.flow.refresh(token)
        live = await web.flow.progress(row)
    except ChargeGridError as err:
        return JSONResponse({"error": err.code, "message": err.message},
                            status_code=status_of(err), headers=PRIVATE)
    return JSONResponse({
        "state": live.state, "energy_kwh": f"{live.energy_wh / 1000:.3f}",
        "duration_s": live.duration_s, "cost": f"{live.cost:.2f}", "currency": live.currency,
        "hold": f"{row.amount_held:.2f}", "failure": live.failure,
    }, headers=PRIVATE)


@router.post("/s/{token}/stop", name="session_stop")
async def session_stop(token: str, web: Web) -> Response:
    """The Stop button: RemoteStop; the page then sees the session finish."""
    try:
        await web.flow.stop(token)
    except ChargeGridError as err:
        return JSONResponse({"error": err.code, "message": err.message},
                            status_code=status_of(err), headers=PRIVATE)
    return JSONResponse({"stopping": True}, status_code=202, headers=PRIVATE)


@router.get("/s/{token}/receipt", name="session_receipt")
async def session_receipt(token: str, request: Request, web: Web) -> Response:
    """The receipt: energy, duration, amount, VAT, payment reference, amount released."""
    try:
        receipt = await web.flow.receipt(await web.flow.refresh(token))
    except ChargeGridError as err:
        return error_page(web, request, err)
    return render(web, request, "receipt.html", r=receipt, fmt=fmt)


@router.get("/s/{token}/receipt.json", name="session_receipt_json")
async def session_receipt_json(token: str, web: Web) -> Response:
    """The receipt as data (amounts as strings, so no float ever touches money)."""
    try:
        r = await web.flow.receipt(await web.flow.refresh(token))
    except ChargeGridError as err:
        return JSONResponse({"error": err.code, "message": err.message},
                            status_code=status_of(err), headers=PRIVATE)
    return JSONResponse({
        "station_id": r.station_id, "connector_id": r.evse_id, "email": r.email,
        "started_at": r.started_at.isoformat() if r.started_at else None,
        "ended_at": r.ended_at.isoformat() if r.ended_at else None,
        "energy_wh": r.energy_wh, "duration_s": r.duration_s, "net": f"{r.net:.2f}",
        "vat": f"{r.vat:.2f}", "vat_rate": str(r.vat_rate), "total": f"{r.total:.2f}",
        "released": f"{r.released:.2f}", "currency": r.currency,
        "payment_provider": r.payment_provider, "payment_reference": r.payment_reference,
    }, headers=PRIVATE)


@router.post("/pay/webhook/{provider}")
async def payment_webhook(provider: str, request: Request, web: Web) -> Response:
    """Provider notifications (signed): the same effect as the driver's return."""
    if provider != web.provider.name:
        return JSONResponse({"error": "not_found", "message": "unknown payment provider"},
                            status_code=404)
    try:
        event = web.provider.verify_webhook(await request.body(),
                                            request.headers.get("x-signature", ""))
        await web.flow.on_payment_update(event.reference)
    except ChargeGridError as err:
        return JSONResponse({"error": err.code, "message": err.message},
                            status_code=status_of(err))
    return JSONResponse({"received": True})
