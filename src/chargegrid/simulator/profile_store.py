"""The profiles a station has installed, with the replace and clear rules of OCPP 1.6.

A new profile replaces one with the same id, or one with the same stack level and purpose
on the same connector (§3.13.2). TxProfiles die with their transaction.
"""

from __future__ import annotations

from chargegrid.simulator.profiles import ChargingProfile, Purpose


class ProfileStore:
    """Installed profiles of one station (one instance per station, never shared)."""

    def __init__(self, max_stack_level: int = 8) -> None:
        self.max_stack_level = max_stack_level
        self._profiles: list[ChargingProfile] = []

    @property
    def profiles(self) -> tuple[ChargingProfile, ...]:
        return tuple(self._profiles)

    def for_connector(self, connector_id: int) -> tuple[ChargingProfile, ...]:
        return tuple(p for p in self._profiles if p.connector_id == connector_id)

    def install(self, profile: ChargingProfile) -> None:
        """Add `profile`, dropping the ones it replaces."""
        self._profiles = [
            p for p in self._profiles
            if p.id != profile.id and not (
                p.stack_level == profile.stack_level and p.purpose is profile.purpose
                and p.connector_id == profile.connector_id
            )
        ]
        self._profiles.append(profile)

    def clear(self, *, profile_id: int | None = None, connector_id: int | None = None,
              purpose: Purpose | None = None, stack_level: int | None = None) -> bool:
        """ClearChargingProfile: by id, or by the given criteria (all absent = all); True if any."""
        def matches(p: ChargingProfile) -> bool:
            if profile_id is not None:
                return p.id == profile_id
            return ((connector_id is None or p.connector_id == connector_id)
                    and (purpose is None or p.purpose is purpose)
                    and (stack_level is None or p.stack_level == stack_level))

        kept = [p for p in self._profiles if not matches(p)]
        removed = len(kept) != len(self._profiles)
        self._profiles = kept
        return removed

    def end_transaction(self, connector_id: int) -> None:
        """A TxProfile only lives as long as its transaction."""
        self._profiles = [
            p for p in self._profiles
            if not (p.purpose is Purpose.TX and p.connector_id == connector_id)
        ]
