"""The `test` payment provider's card page, served by us so that the browser test really
fills in and submits a card form. Only present when the configured provider is `test`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from chargegrid.errors import ChargeGridError, InvalidInputError, NotFoundError
from chargegrid.payments.provider import PaymentStatus
from chargegrid.payments.test_provider import TestPaymentProvider
from chargegrid.web.mount import WebContext, get_web
from chargegrid.web.pages import PRIVATE, error_page, fmt, render

router = APIRouter(include_in_schema=False)
Web = Annotated[WebContext, Depends(get_web)]


def _provider(web: WebContext) -> TestPaymentProvider:
    if not isinstance(web.provider, TestPaymentProvider):
        raise NotFoundError("the test payment page is not enabled")
    return web.provider


@router.get("/pay/test/{reference}")
async def card_page(reference: str, request: Request, web: Web) -> Response:
    """The fake processor's card form."""
    try:
        intent = await _provider(web).retrieve(reference)
    except ChargeGridError as err:
        return error_page(web, request, err)
    if intent.status is not PaymentStatus.REQUIRES_PAYMENT:
        return RedirectResponse(_provider(web).return_url_for(reference), status_code=303)
    return render(web, request, "pay_test.html", amount=fmt(intent.amount, intent.currency),
                  error=None)


@router.post("/pay/test/{reference}")
async def card_submit(reference: str, request: Request, web: Web,
                      card_number: Annotated[str, Form()] = "",
                      expiry: Annotated[str, Form()] = "",
                      cvc: Annotated[str, Form()] = "") -> Response:
    """Authorise or decline, then back to the merchant's return URL (signed)."""
    try:
        provider = _provider(web)
        intent = await provider.retrieve(reference)
        if not cvc.isdigit() or len(cvc) not in (3, 4):
            raise InvalidInputError("CVC: 3 or 4 digits")
        provider.confirm(reference, card_number=card_number, expiry=expiry,
                         now=web.runtime.clock.now())
    except InvalidInputError as err:
        return render(web, request, "pay_test.html", 422,
                      amount=fmt(intent.amount, intent.currency), error=err.message)
    except ChargeGridError as err:
        return error_page(web, request, err)
    return RedirectResponse(provider.return_url_for(reference), status_code=303,
                            headers=PRIVATE)
