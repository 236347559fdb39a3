"""One typed settings object, read from `CHARGEGRID_*` environment variables once at start-up.

It is passed to whatever needs it, never imported as a global, so that tests can run several
differently configured servers in one process.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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

    # EMS
    ems_enabled: bool = True
    ems_period_s: float = 15.0

    # ADVENIR export: how often the job sends what is not yet acknowledged (if configured)
    advenir_interval_s: float = 3600.0

    log_level: str = "INFO"
