"""HTTPS client for the ADVENIR web service: Basic auth or a client certificate, bounded
timeouts, and every way a request can end reduced to one `PostResult`.

A request whose answer is lost (timeout, dropped connection) may still have reached the
service; that is why the operation keys are stable: a re-send carries the same keys and
values, and the service sees the same operation, not a new one.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType

import httpx

from chargegrid.exports.advenir.config import resolve_password
from chargegrid.exports.advenir.payloads import Answer, ExportFormat, parse_answer
from chargegrid.store.models import AdvenirAccount

USER_AGENT = "ChargeGrid-ADVENIR/1"


@dataclass(frozen=True, slots=True)
class PostResult:
    """outcome: ok | echec | http_error (non-2xx) | bad_answer | transport (no answer)."""

    outcome: str
    http_status: int | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


def _tls_context(account: AdvenirAccount, verify: ssl.SSLContext | None) -> ssl.SSLContext:
    context = verify or ssl.create_default_context()
    if account.auth_mode == "certificate":
        assert account.client_cert_path and account.client_key_path
        context.load_cert_chain(account.client_cert_path, account.client_key_path)
    return context


class AdvenirClient:
    """One connection pool to one account's server; use as a context manager."""

    def __init__(self, http: httpx.Client) -> None:
        self._http = http

    @classmethod
    def for_account(cls, account: AdvenirAccount, *, verify: ssl.SSLContext | None = None,
                    environ: Mapping[str, str] | None = None,
                    transport: httpx.BaseTransport | None = None) -> AdvenirClient:
        """A client with the account's credentials; `verify` replaces the system CA store
        (tests trust their own CA with it)."""
        auth: httpx.BasicAuth | None = None
        if account.auth_mode == "basic":
            password = resolve_password(account, environ)
            assert account.basic_user is not None and password is not None
            auth = httpx.BasicAuth(account.basic_user, password)
        timeout = httpx.Timeout(account.timeout_s, connect=min(account.timeout_s, 15.0))
        http = httpx.Client(
            base_url=account.base_url, auth=auth, timeout=timeout,
            verify=_tls_context(account, verify), transport=transport,
            headers={"User-Agent": USER_AGENT, "Content-Type": "application/json"},
            follow_redirects=False,
        )
        return cls(http)

    def post(self, fmt: ExportFormat, body: bytes) -> PostResult:
        """POST one body; never raises for what the network or the service does."""
        try:
            response = self._http.post(fmt.path, content=body)
        except httpx.TimeoutException as err:
            return PostResult("transport", error=f"timeout: {type(err).__name__}")
        except httpx.HTTPError as err:
            return PostResult("transport", error=f"{type(err).__name__}: {err}"[:500])
        status = response.status_code
        if not 200 <= status < 300:
            return PostResult("http_error", status, f"HTTP {status}: {response.text[:200]}")
        answer = parse_answer(response.content)
        if answer is Answer.OK:
            return PostResult("ok", status)
        if answer is Answer.ECHEC:
            return PostResult("echec", status, "ECHEC")
        return PostResult("bad_answer", status, f"unrecognised answer: {response.text[:200]}")

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> AdvenirClient:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
