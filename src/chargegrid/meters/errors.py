"""Errors of the meter layer, rooted in the domain tree so every boundary can map them.

Two families on purpose: a *configuration* error is raised once, at wiring time, and
should stop start-up with a message naming the offending option; a *read* error is
expected at run time (a meter is unplugged, a broker restarts) and only ever makes a
meter stale — it must never crash the controller or be mistaken for a zero reading.
"""

from __future__ import annotations

from chargegrid.errors import ChargeGridError, ConflictError, InvalidInputError


class MeterConfigError(InvalidInputError):
    """A meter's options or register map are invalid; the message names the field."""

    code = "meter_config"


class UnknownMeterTypeError(MeterConfigError):
    """The configured `type` is not registered; the message lists the known ones."""

    code = "meter_type_unknown"


class DuplicateMeterTypeError(ConflictError):
    """A second driver tried to register under a type name that is already taken."""

    code = "meter_type_duplicate"


class MeterReadError(ChargeGridError):
    """A meter could not deliver a reading now (timeout, disconnect, nothing received)."""

    code = "meter_unavailable"
