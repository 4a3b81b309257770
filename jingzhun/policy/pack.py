"""A loaded, fully resolved policy pack (its `extends` chain already merged)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .criteria import KINDS, Kind
from .facts import LEVELS
from .params import Parameter, label
from .values import format_fen


@dataclass(frozen=True)
class Source:
    title: str
    issuer: str | None = None
    date: str | None = None
    url: str | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if v is not None}


@dataclass(frozen=True)
class CriterionSpec:
    key: str  # unique within the level; what results and reports name
    kind: str
    label: str
    params: Mapping[str, Any]  # as written in the pack (TOML scalars), for display
    args: Mapping[str, Any]  # resolved: refs replaced by the pack's parameter values
    source: str | None = None
    unconfirmed: bool = False
    note: str | None = None
    origin: str = ""  # the pack id that defined it

    @property
    def evaluator(self) -> Kind:
        return KINDS[self.kind]

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind,
            "label": self.label,
            "params": dict(self.params),
            "source": self.source,
            "unconfirmed": self.unconfirmed,
            "note": self.note,
            "defined_in": self.origin,
        }


@dataclass(frozen=True)
class Pack:
    id: str
    name: str
    name_en: str
    year: int
    path: str
    extends: str | None = None
    sources: tuple[Source, ...] = ()
    parameters: Mapping[str, Parameter] = field(default_factory=dict)
    criteria: Mapping[str, tuple[CriterionSpec, ...]] = field(default_factory=dict)
    note: str | None = None
    warnings: tuple[str, ...] = ()

    @property
    def levels(self) -> tuple[str, ...]:
        return tuple(level for level in LEVELS if self.criteria.get(level))

    def value(self, name: str) -> Any:
        """A parameter's value (money in fen); KeyError if the pack has no such parameter."""
        return self.parameters[name].value

    def money(self, name: str) -> str | None:
        """A money parameter as a yuan decimal string, or None when the pack has none."""
        parameter = self.parameters.get(name)
        return format_fen(parameter.value) if parameter else None

    @property
    def unconfirmed(self) -> tuple[str, ...]:
        return tuple(name for name, p in self.parameters.items() if p.unconfirmed or p.placeholder)

    @property
    def unconfirmed_labels(self) -> tuple[str, ...]:
        """`unconfirmed` by their Chinese names, for the pages."""
        return tuple(label(name) for name in self.unconfirmed)

    def to_dict(self) -> dict[str, Any]:
        """What `jingzhun policy show ID --format json` prints."""
        data: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "name_en": self.name_en,
            "year": self.year,
            "levels": list(self.levels),
            "source": [s.to_dict() for s in self.sources],
            "extends": self.extends,
            "poverty_line": self.money("poverty_line"),
        }
        if "monitoring_threshold" in self.parameters:
            data["monitoring_threshold"] = self.money("monitoring_threshold")
        data |= {
            "parameters": {name: p.to_dict() for name, p in self.parameters.items()},
            "criteria": {
                level: [c.to_dict() for c in self.criteria.get(level, ())] for level in self.levels
            },
            "unconfirmed": list(self.unconfirmed),
            "warnings": list(self.warnings),
            "note": self.note,
        }
        return data
