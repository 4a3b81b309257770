"""The rules as data: TOML files in jingzhun/quality/rules, plus a region's own settings.

A rule names one of the rule kinds in `jingzhun.quality.kinds` and gives it parameters; the
kind is the only code. See docs/quality.md for the file format.
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

from jingzhun.regions import codes

RULES_DIR = Path(__file__).resolve().parent / "rules"
LEVELS = ("error", "warning")
MODELS = {"household", "member", "income"}
REQUIRED = ("id", "level", "message_zh", "message_en", "kind", "fields")
ALLOWED = {*REQUIRED, "params", "enabled", "pending", "note", "source"}


class RuleError(ValueError):
    pass


@dataclass(frozen=True)
class Rule:
    id: str
    level: str
    message_zh: str
    message_en: str
    kind: str
    fields: tuple[str, ...]
    params: Mapping[str, Any] = field(default_factory=dict)
    enabled: bool = True  # the shipped default; a region's setting may change it
    pending: bool = False  # shipped but not runnable yet (see note)
    note: str = ""
    source: str = ""
    origin: str = ""  # file name, or "region:CODE" for a region's own rule

    @property
    def runnable(self) -> bool:
        return not self.pending

    def with_params(self, overrides: Mapping[str, Any]) -> Rule:
        if not overrides:
            return self
        merged = copy.deepcopy(dict(self.params))
        merged.update(overrides)
        return replace(self, params=merged)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "level": self.level,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "kind": self.kind,
            "fields": list(self.fields),
            "params": dict(self.params),
            "enabled": self.enabled,
            "pending": self.pending,
            "note": self.note,
        }


def parse_rule(raw: Mapping[str, Any], origin: str) -> Rule:
    """A validated Rule from a TOML table or a region's `definition`; RuleError if wrong."""
    from .kinds import KINDS

    where = f"{origin}: rule {raw.get('id', '?')!r}"
    unknown = set(raw) - ALLOWED
    if unknown:
        raise RuleError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    for key in REQUIRED:
        if not raw.get(key):
            raise RuleError(f"{where}: {key} is required")
    rule_id = str(raw["id"])
    if not rule_id.replace("-", "").isalnum() or rule_id != rule_id.lower():
        raise RuleError(f"{where}: id must be lower-case letters, digits and '-'")
    if raw["level"] not in LEVELS:
        raise RuleError(f"{where}: level must be one of {', '.join(LEVELS)}")
    pending = bool(raw.get("pending", False))
    if raw["kind"] not in KINDS and not pending:
        raise RuleError(f"{where}: unknown kind {raw['kind']!r} (known: {', '.join(KINDS)})")
    fields = tuple(raw["fields"])
    for name in fields:
        model, _, column = str(name).partition(".")
        if model not in MODELS or not column:
            raise RuleError(f"{where}: field {name!r} must read model.field ({'/'.join(MODELS)})")
    rule = Rule(
        id=rule_id,
        level=raw["level"],
        message_zh=str(raw["message_zh"]),
        message_en=str(raw["message_en"]),
        kind=str(raw["kind"]),
        fields=fields,
        params=dict(raw.get("params") or {}),
        enabled=bool(raw.get("enabled", True)) and not pending,
        pending=pending,
        note=str(raw.get("note", "")),
        source=str(raw.get("source", "")),
        origin=origin,
    )
    if not pending:
        validate_params(rule)
    return rule


def validate_params(rule: Rule) -> None:
    from .kinds import KINDS

    try:
        KINDS[rule.kind].validate(rule.params)
    except RuleError as exc:
        raise RuleError(f"{rule.origin}: rule {rule.id!r}: {exc}") from exc


def _load_dir(directory: Path) -> dict[str, Rule]:
    rules: dict[str, Rule] = {}
    for path in sorted(directory.glob("*.toml")):
        with path.open("rb") as fh:
            try:
                data = tomllib.load(fh)
            except tomllib.TOMLDecodeError as exc:
                raise RuleError(f"{path.name}: {exc}") from exc
        for raw in data.get("rule", []):
            rule = parse_rule(raw, path.name)
            if rule.id in rules:
                raise RuleError(f"{path.name}: rule {rule.id!r} is defined twice")
            rules[rule.id] = rule
    return rules


@cache
def shipped_rules() -> dict[str, Rule]:
    """Every shipped rule, in file order, keyed by id (pending ones included)."""
    return _load_dir(RULES_DIR)


# --- a region's settings ------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """A part of the checked region with one configuration: the rules to run on records whose
    village code starts with `prefix` but none of `carve_outs` (handled by their own unit)."""

    prefix: str
    carve_outs: tuple[str, ...]
    rules: dict[str, Rule]  # enabled, runnable, parameters merged
    disabled: frozenset[str]  # rules switched off here (their open findings close)


def _setting_prefix(code: str) -> str:
    return codes.prefix(codes.normalize_code(code))


def plan_units(
    region_code: str, settings: Iterable[Any], only: Iterable[str] | None = None
) -> list[Unit]:
    """Split the region by the settings that apply in it, most general first.

    `settings` are RuleSetting-like objects (region_code, rule_id, enabled, params,
    definition) for the region, its ancestors and its descendants.
    """
    region_prefix = codes.prefix(region_code)
    base = dict(shipped_rules())
    by_prefix: dict[str, list[Any]] = {}
    for s in settings:
        p = _setting_prefix(s.region_code)
        if region_prefix.startswith(p) or p.startswith(region_prefix):
            by_prefix.setdefault(p, []).append(s)
            if s.definition:
                rule = parse_rule({**s.definition, "id": s.rule_id}, f"region:{s.region_code}")
                if s.rule_id in base and not base[s.rule_id].origin.startswith("region:"):
                    raise RuleError(f"region rule {s.rule_id!r} clashes with a shipped rule")
                # a region's own rule is off outside its region
                base[s.rule_id] = replace(rule, enabled=False)
    wanted = set(only) if only is not None else None
    unit_prefixes = sorted(
        {region_prefix} | {p for p in by_prefix if p.startswith(region_prefix)}, key=len
    )
    units = []
    for prefix in unit_prefixes:
        rules: dict[str, Rule] = {}
        disabled: set[str] = set()
        applying = sorted((p for p in by_prefix if prefix.startswith(p)), key=len)
        state = {rid: (r.enabled, {}) for rid, r in base.items()}
        for p in applying:
            for s in by_prefix[p]:
                if s.rule_id not in state:
                    continue  # a setting for a rule no longer shipped
                enabled, params = state[s.rule_id]
                state[s.rule_id] = (bool(s.enabled), {**params, **(s.params or {})})
        for rid, rule in base.items():
            if wanted is not None and rid not in wanted:
                continue
            enabled, params = state[rid]
            if enabled and rule.runnable:
                effective = rule.with_params(params)
                if params:
                    validate_params(effective)
                rules[rid] = effective
            elif rule.runnable or rule.pending:
                disabled.add(rid)
        carve = tuple(p for p in unit_prefixes if p != prefix and p.startswith(prefix))
        units.append(Unit(prefix, carve, rules, frozenset(disabled)))
    return units


def all_rules(settings: Iterable[Any] = ()) -> dict[str, Rule]:
    """Shipped rules and the regions' own rules (for labels on pages and in exports)."""
    rules = dict(shipped_rules())
    for s in settings:
        if s.definition and s.rule_id not in rules:
            rules[s.rule_id] = parse_rule(
                {**s.definition, "id": s.rule_id}, f"region:{s.region_code}"
            )
    return rules
