"""One typed settings object, read from `CHARGEGRID_*` environment variables once at start-up.

It is passed to whatever needs it, never imported as a global, so that tests can run several
differently configured servers in one process.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class OidcProviderSettings(BaseModel):
    """One OpenID Connect identity provider for single sign-on (see docs/auth.md)."""

    issuer: str = Field(description="Issuer URL; discovery is read from "
                        "`{issuer}/.well-known/openid-configuration`.")
    client_id: str
    client_secret: SecretStr
    scopes: str = "openid email profile"
    create_users: bool = Field(
        default=False,
        description="Create a user on first login when no user has the verified e-mail "
        "(off: such logins are refused).",
    )
    default_role: str = "read_only"


class Settings(BaseSettings):
    """Everything an operator may configure; the defaults give a working single-site server."""

    model_config = SettingsConfigDict(env_prefix="CHARGEGRID_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///chargegrid.db",
        description="SQLAlchemy URL: a SQLite file by default, postgresql://... in production.",
    )
    host: str = "0.0.0.0"
    ocpp_port: int = 9000
    api_port: int = 8000

    # OCPP server behaviour
    unknown_stations: Literal["reject", "pending", "accept"] = Field(
        default="reject",
        description="What to do with a station id we do not know: reject it, register it as "
        "pending (commissioning) or register and accept it (demo).",
    )
    heartbeat_interval_s: int = 300
    command_timeout_s: float = 30.0
    max_message_bytes: int = 64 * 1024
    require_basic_auth: bool = Field(
        default=False,
        description="Security profile 1 for every station (those with a password always need it).",
    )

    # TLS (security profile 2) for the OCPP endpoint
    tls_certfile: Path | None = None
    tls_keyfile: Path | None = None

    sqlite_synchronous: Literal["FULL", "NORMAL"] = Field(
        default="FULL",
        description="FULL: commits survive power loss; NORMAL: they survive a crash of this "
        "process, not of the machine (faster). SQLite only.",
    )

    # Group commit of charger messages: the largest batch committed at once
    write_batch_max: int = 256
    event_loop: Literal["uvloop", "asyncio"] = Field(
        default="uvloop",
        description="Event loop of `chargegrid serve`: uvloop (faster; asyncio's own when "
        "uvloop is not installed) or asyncio.",
    )

    # EMS
    ems_enabled: bool = True
    ems_period_s: float = 15.0
    external_limits_mqtt_topic: str | None = Field(
        default=None,
        description="MQTT topic for external (grid operator) limits, with one {site_id} "
        "level, e.g. 'chargegrid/sites/{site_id}/limits'; unset: no subscription.",
    )
    external_limits_mqtt_host: str = "127.0.0.1"
    external_limits_mqtt_port: int = 1883
    external_limits_mqtt_username: str | None = None
    external_limits_mqtt_password: str | None = None

    # ADVENIR export: how often the job sends what is not yet acknowledged (if configured)
    advenir_interval_s: float = 3600.0

    # Authentication (docs/auth.md)
    secret_key: SecretStr | None = Field(
        default=None,
        description="Encrypts TOTP secrets and signs the OIDC state cookie; the same on every "
        "node. TOTP enrolment is refused while it is unset.",
    )
    session_idle_timeout_s: int = Field(default=1800, ge=60)
    session_absolute_timeout_s: int = Field(default=12 * 3600, ge=60)
    login_failure_window_s: int = Field(default=900, ge=1)
    login_max_failures_per_account: int = Field(default=5, ge=1)
    login_max_failures_per_ip: int = Field(default=20, ge=1)
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_cost_kib: int = Field(default=65536, ge=8)
    argon2_parallelism: int = Field(default=4, ge=1)
    oidc_providers: dict[str, OidcProviderSettings] = Field(
        default_factory=dict,
        description='JSON: {"name": {"issuer": ..., "client_id": ..., "client_secret": ...}}',
    )
    oidc_redirect_base_url: str | None = Field(
        default=None,
        description="Public base URL of the API (behind a proxy) for OIDC redirect URIs.",
    )

    # Ad-hoc charging (QR code on each connector, paid by card)
    public_url: str = Field(
        default="http://localhost:8000",
        description="The address drivers reach the web pages at; the QR codes encode it.",
    )
    payment_provider: str = Field(default="test", description="Payment provider by name.")
    payment_secret: SecretStr | None = Field(
        default=None, description="Signs payment returns/webhooks (test provider: random "
        "per process if unset).")
    adhoc_hold_amount: Decimal = Field(
        default=Decimal("30.00"), gt=0, max_digits=10, decimal_places=2,
        description="Pre-authorised per ad-hoc session; charging stops when the cost reaches "
        "it, and only the final price is captured.")
    adhoc_start_timeout_s: float = Field(
        default=180.0, gt=0, description="How long after a RemoteStart an ad-hoc session may "
        "wait for the vehicle before it fails and the hold is released.")

    log_level: str = "INFO"
