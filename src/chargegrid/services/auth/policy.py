"""The authentication settings as one immutable value, built once from `Settings` and passed
to the services (they never read the environment)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from chargegrid.settings import Settings


@dataclass(frozen=True, slots=True)
class AuthPolicy:
    """Session lifetimes, login rate limits and Argon2 cost parameters."""

    session_idle: timedelta = timedelta(minutes=30)
    session_absolute: timedelta = timedelta(hours=12)
    failure_window: timedelta = timedelta(minutes=15)
    max_failures_per_account: int = 5
    max_failures_per_ip: int = 20
    argon2_time_cost: int = 3
    argon2_memory_cost_kib: int = 65536
    argon2_parallelism: int = 4
    secret_key: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> AuthPolicy:
        """Read the `CHARGEGRID_*` authentication settings."""
        return cls(
            session_idle=timedelta(seconds=settings.session_idle_timeout_s),
            session_absolute=timedelta(seconds=settings.session_absolute_timeout_s),
            failure_window=timedelta(seconds=settings.login_failure_window_s),
            max_failures_per_account=settings.login_max_failures_per_account,
            max_failures_per_ip=settings.login_max_failures_per_ip,
            argon2_time_cost=settings.argon2_time_cost,
            argon2_memory_cost_kib=settings.argon2_memory_cost_kib,
            argon2_parallelism=settings.argon2_parallelism,
            secret_key=(settings.secret_key.get_secret_value()
                        if settings.secret_key is not None else None),
        )
