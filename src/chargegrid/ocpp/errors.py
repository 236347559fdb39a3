"""The RPC-level error: an OCPP-J error code with a description, sent back as CALLERROR."""

from __future__ import annotations

from typing import Any


class RpcError(Exception):
    def __init__(self, code: str, description: str, details: dict[str, Any] | None = None):
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description
        self.details = details or {}
