"""The domain exception tree.

Every error carries a stable `code`; the REST layer maps codes to HTTP status codes, the OCPP
adapters map them to CALLERRORs and the CLI to a one-line message and an exit code.
"""

from __future__ import annotations


class ChargeGridError(Exception):
    """Base of every error the domain raises on purpose."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFoundError(ChargeGridError):
    """The named object does not exist (or is not visible to the caller)."""

    code = "not_found"


class ConflictError(ChargeGridError):
    """The request contradicts what is stored (a duplicate, a wrong state)."""

    code = "conflict"


class InvalidInputError(ChargeGridError):
    """The input is malformed; the message names the offending field."""

    code = "invalid_input"


class AuthenticationError(ChargeGridError):
    """No or wrong credentials."""

    code = "unauthenticated"


class PermissionDeniedError(ChargeGridError):
    """Valid credentials without the right for this action."""

    code = "forbidden"


class StationOfflineError(ChargeGridError):
    """A command was addressed to a station that has no live connection."""

    code = "station_offline"


class CommandTimeoutError(ChargeGridError):
    """A station did not answer a command within its timeout."""

    code = "command_timeout"


class CommandRejectedError(ChargeGridError):
    """A station answered a command with a CALLERROR."""

    code = "command_error"
