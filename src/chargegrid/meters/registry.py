"""A generic, typed registry of drivers: type name → factory, built at wiring time.

Modelled on evcc's `util/registry`: drivers are looked up by the `type` a site's
configuration names, and each driver decodes and validates its *own* options (via
`decode_options`), so adding a meter never touches a central schema. Unlike evcc there is
no package-level registry filled by import side effects: a `Registry` is an ordinary
object, built by `default_meter_registry()` (or by a test) and passed in, so two sites
or two tests can never see each other's registrations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from chargegrid.meters.errors import (
    DuplicateMeterTypeError,
    MeterConfigError,
    UnknownMeterTypeError,
)

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

Options = Mapping[str, Any]
Factory = Callable[[Options], T]
"""Builds a driver from its raw options; raises `MeterConfigError` naming the bad field."""


class Registry(Generic[T]):
    """Type name → factory. Refuses duplicates and unknown names with explicit errors."""

    def __init__(self, kind: str = "meter") -> None:
        self._kind = kind
        self._factories: dict[str, Factory[T]] = {}

    def register(self, type_name: str, factory: Factory[T]) -> None:
        """Add a driver; a name can be registered once (a silent override hides bugs)."""
        if not type_name or type_name != type_name.strip().lower():
            raise MeterConfigError(
                f"{self._kind} type name {type_name!r} must be non-empty lower case")
        if type_name in self._factories:
            raise DuplicateMeterTypeError(
                f"{self._kind} type {type_name!r} is already registered")
        self._factories[type_name] = factory

    def types(self) -> list[str]:
        """The registered type names, sorted (for error messages and `--help`)."""
        return sorted(self._factories)

    def __contains__(self, type_name: object) -> bool:
        return type_name in self._factories

    def __iter__(self) -> Iterator[str]:
        return iter(self.types())

    def create(self, type_name: str, options: Options) -> T:
        """Build a driver of `type_name` from its options."""
        factory = self._factories.get(type_name)
        if factory is None:
            known = ", ".join(self.types()) or "none"
            raise UnknownMeterTypeError(
                f"field 'type': unknown {self._kind} type {type_name!r} (known: {known})")
        if not isinstance(options, Mapping):
            raise MeterConfigError(
                f"{self._kind} {type_name!r}: options must be a mapping, "
                f"not {type(options).__name__}")
        return factory(options)

    def create_from_config(self, config: Options) -> T:
        """Build from one config entry: {"type": "modbus", ...the driver's options}."""
        if not isinstance(config, Mapping):
            raise MeterConfigError(f"{self._kind} config must be a mapping")
        type_name = config.get("type")
        if not isinstance(type_name, str):
            raise MeterConfigError(f"field 'type': required string naming the {self._kind} type")
        options = {k: v for k, v in config.items() if k != "type"}
        return self.create(type_name, options)


def decode_options(model: type[M], options: Options, *, driver: str) -> M:
    """Validate a driver's options against its pydantic model (extra keys refused).

    The error names every bad field (`option 'port': ...`) so a site engineer can fix the
    configuration from the message alone; the pydantic error is chained for debugging.
    """
    try:
        return model.model_validate(dict(options))
    except ValidationError as err:
        ident = options.get("id")
        label = f"{driver} meter {ident!r}" if isinstance(ident, str) else f"{driver} meter"
        raise MeterConfigError(f"{label}: {describe(err, 'option')}") from err


def describe(err: ValidationError, noun: str) -> str:
    """One line naming each bad field: "option 'port': Input should be ...; ..."."""
    problems = []
    for e in err.errors():
        where = ".".join(str(p) for p in e["loc"]) or "(whole)"
        problems.append(f"{noun} '{where}': {e['msg']}")
    return "; ".join(problems)
