"""Local authorisation: the Local Authorization List and the Authorization Cache.

Used when the station is offline, or (LocalPreAuthorize) to skip the round trip. Kept
protocol-neutral: a tag maps to a status string ("Accepted", "Blocked", ...) and an expiry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class TagInfo:
    status: str
    expiry: datetime | None = None
    parent_id_tag: str | None = None

    def accepted_at(self, now: datetime) -> bool:
        return self.status == "Accepted" and (self.expiry is None or now < self.expiry)


class LocalAuth:
    """One station's list and cache; `version` 0 means no list installed."""

    def __init__(self, max_entries: int = 1000) -> None:
        self.max_entries = max_entries
        self.version = 0
        self._list: dict[str, TagInfo] = {}
        self._cache: dict[str, TagInfo] = {}

    def replace_list(self, version: int, entries: dict[str, TagInfo]) -> bool:
        """Full update; False when it would not fit."""
        if len(entries) > self.max_entries:
            return False
        self._list = dict(entries)
        self.version = version
        return True

    def update_list(self, version: int, changes: dict[str, TagInfo | None]) -> bool:
        """Differential update: None removes a tag; False when it would not fit."""
        merged = dict(self._list)
        for tag, info in changes.items():
            if info is None:
                merged.pop(tag, None)
            else:
                merged[tag] = info
        if len(merged) > self.max_entries:
            return False
        self._list = merged
        self.version = version
        return True

    def remember(self, tag: str, info: TagInfo) -> None:
        """Cache what the central system said about a tag."""
        self._cache[tag] = info

    def clear_cache(self) -> None:
        self._cache.clear()

    def lookup(self, tag: str, *, use_list: bool = True) -> TagInfo | None:
        """The list has priority over the cache (1.6 §3.5)."""
        if use_list and tag in self._list:
            return self._list[tag]
        return self._cache.get(tag)

    @property
    def entries(self) -> dict[str, TagInfo]:
        return dict(self._list)
