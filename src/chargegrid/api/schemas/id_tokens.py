"""Id tokens (RFID cards, app ids) that may authorise charging."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from chargegrid.api.schemas.common import AwareUtcDatetime, ReadModel, UtcDatetime, WriteModel

TokenStatus = Literal["Accepted", "Blocked", "Expired", "Invalid"]
TOKEN_PATTERN = r"^[\x21-\x7e]+$"  # printable ASCII without spaces, as stations transmit it


class IdTokenCreate(WriteModel):
    token: str = Field(min_length=1, max_length=36, pattern=TOKEN_PATTERN)
    status: TokenStatus = "Accepted"
    expires_at: AwareUtcDatetime | None = None
    parent_id_tag: str | None = Field(default=None, min_length=1, max_length=36,
                                      pattern=TOKEN_PATTERN)
    label: str | None = Field(default=None, max_length=128)
    token_type: str = Field(default="ISO14443", min_length=1, max_length=20)


class IdTokenUpdate(WriteModel):
    """Absent fields stay; an explicit null clears `expires_at` or `parent_id_tag`."""

    status: TokenStatus | None = None
    expires_at: AwareUtcDatetime | None = None
    parent_id_tag: str | None = Field(default=None, min_length=1, max_length=36,
                                      pattern=TOKEN_PATTERN)
    label: str | None = Field(default=None, max_length=128)


class IdTokenRead(ReadModel):
    token: str
    token_type: str
    status: str
    parent_id_tag: str | None
    expires_at: UtcDatetime | None
    label: str | None
    user_id: int | None = None
    created_at: UtcDatetime
    updated_at: UtcDatetime
