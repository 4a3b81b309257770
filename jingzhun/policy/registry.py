"""Loading policy packs: TOML files, `extends` chains, validation, warnings.

Shipped packs live in ``jingzhun/policy/packs/``; a county adds its own directory (the Django
side passes the ``JINGZHUN_POLICY_DIRS`` setting as `extra_dirs`). A pack file is named after
its id. Every problem raises PolicyError naming the file and the key, e.g.
``cn-sichuan-2018.toml: household.criteria[2].kind: unknown criterion 'foo'`` (indexes count
from 0, as in the TOML array).
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from .criteria import KINDS, parse_arg
from .errors import PolicyError
from .facts import LEVELS
from .pack import CriterionSpec, Pack, Source
from .params import CATALOGUE, Parameter, label
from .values import format_fen

log = logging.getLogger("jingzhun.policy")

BUILTIN_DIR = Path(__file__).with_name("packs")

_TOP_KEYS = {"id", "name", "name_en", "year", "extends", "note", "source", "parameters", *LEVELS}
_SOURCE_KEYS = {"title", "issuer", "date", "url", "note"}
_PARAMETER_KEYS = {"value", "source", "unconfirmed", "placeholder", "note"}
_CRITERION_KEYS = {"key", "kind", "label", "source", "unconfirmed", "note"}
_LEVEL_KEYS = {"criteria", "remove"}


@dataclass
class _Raw:
    """One file as written, checked for shape but not yet merged with what it extends."""

    file: str
    path: Path
    id: str
    data: dict[str, Any]
    parameters: dict[str, Parameter] = field(default_factory=dict)
    criteria: dict[str, list[tuple[str, dict[str, Any]]]] = field(default_factory=dict)
    removals: dict[str, list[str]] = field(default_factory=dict)


def _fail(raw: _Raw, key: str, message: str) -> PolicyError:
    return PolicyError.at(raw.file, key, message)


def _text(raw: _Raw, table: Mapping[str, Any], key: str, where: str, *, required: bool) -> Any:
    value = table.get(key)
    if value is None:
        if required:
            raise _fail(raw, where, "missing")
        return None
    if isinstance(value, date):  # TOML dates are a natural way to write a source's date
        return value.isoformat()
    if not isinstance(value, str) or not value.strip():
        raise _fail(raw, where, "must be a non-empty string")
    return value.strip()


def _flag(raw: _Raw, table: Mapping[str, Any], key: str, where: str) -> bool:
    value = table.get(key, False)
    if not isinstance(value, bool):
        raise _fail(raw, where, "must be true or false")
    return value


def _unknown_keys(raw: _Raw, table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    for key in table:
        if key not in allowed:
            prefix = f"{where}." if where else ""
            raise _fail(raw, f"{prefix}{key}", "unknown key")


def _read(path: Path) -> _Raw:
    file = path.name
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PolicyError.at(file, "", f"not valid TOML: {exc}") from exc
    raw = _Raw(file, path, "", data)
    _unknown_keys(raw, data, _TOP_KEYS, "")
    raw.id = _text(raw, data, "id", "id", required=True)
    if raw.id != path.stem:
        raise _fail(raw, "id", f"{raw.id!r} does not match the file name")
    for key in ("name", "name_en"):
        _text(raw, data, key, key, required=True)
    year = data.get("year")
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        raise _fail(raw, "year", "must be a year such as 2018")
    _text(raw, data, "extends", "extends", required=False)
    _text(raw, data, "note", "note", required=False)
    _read_sources(raw)
    _read_parameters(raw)
    for level in LEVELS:
        _read_level(raw, level)
    return raw


def _read_sources(raw: _Raw) -> None:
    sources = raw.data.get("source")
    if not isinstance(sources, list) or not sources:
        raise _fail(raw, "source", "every pack cites at least one [[source]]")
    for i, table in enumerate(sources):
        where = f"source[{i}]"
        if not isinstance(table, dict):
            raise _fail(raw, where, "must be a table")
        _unknown_keys(raw, table, _SOURCE_KEYS, where)
        _text(raw, table, "title", f"{where}.title", required=True)
        for key in _SOURCE_KEYS - {"title"}:
            _text(raw, table, key, f"{where}.{key}", required=False)


def _read_parameters(raw: _Raw) -> None:
    tables = raw.data.get("parameters", {})
    if not isinstance(tables, dict):
        raise _fail(raw, "parameters", "must be a table")
    for name, table in tables.items():
        where = f"parameters.{name}"
        if name not in CATALOGUE:
            known = ", ".join(CATALOGUE)
            raise _fail(raw, where, f"unknown parameter (known: {known})")
        if not isinstance(table, dict):
            raise _fail(raw, where, "write a table with value and source")
        _unknown_keys(raw, table, _PARAMETER_KEYS, where)
        if "value" not in table:
            raise _fail(raw, f"{where}.value", "missing")
        try:
            value = CATALOGUE[name].type.parse(table["value"])
        except ValueError as exc:
            raise _fail(raw, f"{where}.value", str(exc)) from None
        source = _text(raw, table, "source", f"{where}.source", required=False)
        if source is None:
            raise _fail(raw, f"{where}.source", "every figure must cite its source")
        raw.parameters[name] = Parameter(
            name,
            value,
            source,
            unconfirmed=_flag(raw, table, "unconfirmed", f"{where}.unconfirmed"),
            placeholder=_flag(raw, table, "placeholder", f"{where}.placeholder"),
            note=_text(raw, table, "note", f"{where}.note", required=False),
            origin=raw.id,
        )


def _read_level(raw: _Raw, level: str) -> None:
    table = raw.data.get(level)
    if table is None:
        return
    if not isinstance(table, dict):
        raise _fail(raw, level, "must be a table")
    _unknown_keys(raw, table, _LEVEL_KEYS, level)
    removals = table.get("remove", [])
    if not isinstance(removals, list) or not all(isinstance(k, str) for k in removals):
        raise _fail(raw, f"{level}.remove", "must be a list of criterion keys")
    raw.removals[level] = removals
    entries = table.get("criteria", [])
    if not isinstance(entries, list):
        raise _fail(raw, f"{level}.criteria", "must be an array of tables ([[...criteria]])")
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        where = f"{level}.criteria[{i}]"
        if not isinstance(entry, dict):
            raise _fail(raw, where, "must be a table")
        kind_name = _text(raw, entry, "kind", f"{where}.kind", required=True)
        kind = KINDS.get(kind_name)
        if kind is None:
            raise _fail(raw, f"{where}.kind", f"unknown criterion {kind_name!r}")
        if level not in kind.levels:
            levels = ", ".join(sorted(kind.levels))
            raise _fail(raw, f"{where}.kind", f"criterion {kind_name!r} applies to {levels}")
        _unknown_keys(raw, entry, _CRITERION_KEYS | set(kind.params), where)
        key = _text(raw, entry, "key", f"{where}.key", required=False) or kind_name
        if key in seen:
            raise _fail(raw, f"{where}.key", f"duplicate criterion key {key!r}")
        seen.add(key)
        for name in ("label", "source", "note"):
            _text(raw, entry, name, f"{where}.{name}", required=False)
        _flag(raw, entry, "unconfirmed", f"{where}.unconfirmed")
        for name, param in kind.params.items():
            if name in entry:
                try:
                    parse_arg(param, entry[name])
                except ValueError as exc:
                    raise _fail(raw, f"{where}.{name}", str(exc)) from None
            elif param.required:
                raise _fail(raw, f"{where}.{name}", f"missing (criterion {kind_name!r} needs it)")
        raw.criteria.setdefault(level, []).append((where, entry))


def _resolve_criterion(
    raw: _Raw, where: str, entry: Mapping[str, Any], parameters: Mapping[str, Parameter]
) -> CriterionSpec:
    kind = KINDS[entry["kind"]]
    params: dict[str, Any] = {}
    args: dict[str, Any] = {}
    for name, param in kind.params.items():
        written = entry.get(name, param.default)
        params[name] = written
        if written is None:
            args[name] = None
        elif param.type == "ref":
            target = parameters.get(written)
            if target is None and param.optional:
                args[name] = None  # needed only when `check` says so
            elif target is None:
                raise _fail(raw, f"{where}.{name}", f"the pack has no parameter {written!r}")
            elif target.info.type.name != param.ref_type:
                raise _fail(raw, f"{where}.{name}", f"{written!r} is not a {param.ref_type}")
            else:
                args[name] = target.value
        else:
            args[name] = parse_arg(param, written)
    problem = kind.check(args) if kind.check else None
    if problem:
        raise _fail(raw, f"{where}.{problem[0]}", problem[1])
    return CriterionSpec(
        key=entry.get("key") or kind.name,
        kind=kind.name,
        label=entry.get("label") or kind.label,
        params=params,
        args=args,
        source=entry.get("source"),
        unconfirmed=entry.get("unconfirmed", False),
        note=entry.get("note"),
        origin=raw.id,
    )


@dataclass
class _Merged:
    raw: _Raw
    parameters: dict[str, Parameter]
    criteria: dict[str, list[tuple[_Raw, str, dict[str, Any]]]]
    sources: list[Source]


def _sources(raw: _Raw) -> list[Source]:
    return [
        Source(**{k: (v.isoformat() if isinstance(v, date) else v) for k, v in table.items()})
        for table in raw.data["source"]
    ]


def _merge(pack_id: str, raws: Mapping[str, _Raw], done: dict[str, _Merged], chain: list[str]):
    if pack_id in done:
        return done[pack_id]
    raw = raws[pack_id]
    if pack_id in chain:
        cycle = " → ".join([*chain[chain.index(pack_id) :], pack_id])
        raise _fail(raw, "extends", f"cycle {cycle}")
    parent_id = raw.data.get("extends")
    if parent_id is None:
        parameters: dict[str, Parameter] = {}
        criteria: dict[str, list[tuple[_Raw, str, dict[str, Any]]]] = {}
        sources: list[Source] = []
    else:
        if parent_id not in raws:
            raise _fail(raw, "extends", f"unknown pack {parent_id!r}")
        parent = _merge(parent_id, raws, done, [*chain, pack_id])
        parameters = dict(parent.parameters)
        criteria = {level: list(entries) for level, entries in parent.criteria.items()}
        sources = list(parent.sources)
    parameters |= raw.parameters
    # Checked here, not only by the criterion, so the error names the file that set the figure.
    youngest, oldest = parameters.get("school_age_min"), parameters.get("school_age_max")
    if youngest and oldest and oldest.value < youngest.value:
        where = "school_age_max" if "school_age_max" in raw.parameters else "school_age_min"
        raise _fail(raw, f"parameters.{where}", "school_age_max is below school_age_min")
    for level in LEVELS:
        entries = criteria.setdefault(level, [])
        for key in raw.removals.get(level, []):
            index = _index(entries, key)
            if index is None:
                raise _fail(raw, f"{level}.remove", f"no inherited criterion {key!r}")
            del entries[index]
        for where, entry in raw.criteria.get(level, []):
            index = _index(entries, entry.get("key") or entry["kind"])
            if index is None:
                entries.append((raw, where, entry))
            else:  # same key: the child's criterion replaces the inherited one in place
                entries[index] = (raw, where, entry)
    own = _sources(raw)
    titles = {s.title for s in own}
    merged = _Merged(raw, parameters, criteria, own + [s for s in sources if s.title not in titles])
    done[pack_id] = merged
    return merged


def _index(entries: list[tuple[_Raw, str, dict[str, Any]]], key: str) -> int | None:
    for i, (_, _, entry) in enumerate(entries):
        if (entry.get("key") or entry["kind"]) == key:
            return i
    return None


def _warnings(pack_id: str, parameters: Mapping[str, Parameter]) -> list[str]:
    """Chinese first, for the household pages a county clerk reads; English after, as the
    project's messages are."""
    found = []
    line = parameters.get("poverty_line")
    for name in ("dibao_line", "monitoring_threshold"):
        figure = parameters.get(name)
        if line and figure and figure.value < line.value:
            value, applied = format_fen(figure.value), format_fen(line.value)
            why_zh, why = (
                (
                    "两线合一要求低保标准不低于扶贫标准",
                    "两线合一 means the minimum-living line is at least the poverty line",
                )
                if name == "dibao_line"
                else (
                    "监测范围应高于扶贫标准",
                    "the monitoring range lies above the poverty line",
                )
            )
            found.append(
                f"{pack_id}：{label(name)}{value}元低于所适用的{label('poverty_line')}{applied}元，"
                f"{why_zh}，其中一个数字可能有误，请核对参数 {name} 的说明"
                f" ({pack_id}: {name} {value} is below the poverty_line {applied} it applies;"
                f" {why}, so one of the figures may be wrong (see the note on parameters.{name}))"
            )
    for name, parameter in parameters.items():
        if parameter.placeholder:
            found.append(
                f"{pack_id}：{label(name)}（{name}）是占位值（{parameter.display()}），"
                f"须在继承 {parameter.origin} 的标准包中设定"
                f" ({pack_id}: parameters.{name} is a placeholder ({parameter.display()});"
                f" set it in a pack that extends {parameter.origin})"
            )
    return found


def _build(merged: _Merged) -> Pack:
    raw = merged.raw
    criteria = {
        level: tuple(
            _resolve_criterion(origin, where, entry, merged.parameters)
            for origin, where, entry in entries
        )
        for level, entries in merged.criteria.items()
        if entries
    }
    warnings = _warnings(raw.id, merged.parameters)
    for warning in warnings:
        log.info("%s", warning)  # shown by `policy show` and the pages
    return Pack(
        id=raw.id,
        name=raw.data["name"],
        name_en=raw.data["name_en"],
        year=raw.data["year"],
        path=str(raw.path),
        extends=raw.data.get("extends"),
        sources=tuple(merged.sources),
        parameters=merged.parameters,
        criteria=criteria,
        note=raw.data.get("note"),
        warnings=tuple(warnings),
    )


def _files(directories: Iterable[Path]) -> list[Path]:
    files = []
    for directory in directories:
        if not directory.is_dir():
            raise PolicyError(f"{directory}: not a directory of policy packs")
        files.extend(sorted(directory.glob("*.toml")))
    return files


@lru_cache(maxsize=8)
def _load(extra_dirs: tuple[str, ...]) -> Mapping[str, Pack]:
    raws: dict[str, _Raw] = {}
    for path in _files([BUILTIN_DIR, *map(Path, extra_dirs)]):
        raw = _read(path)
        if raw.id in raws:
            raise _fail(raw, "id", f"{raw.id!r} is already defined in {raws[raw.id].path}")
        raws[raw.id] = raw
    done: dict[str, _Merged] = {}
    return {pack_id: _build(_merge(pack_id, raws, done, [])) for pack_id in sorted(raws)}


def load_packs(extra_dirs: Iterable[str | Path] = ()) -> dict[str, Pack]:
    """Every pack, shipped and from `extra_dirs`, by id (sorted). Cached per directory list."""
    return dict(_load(tuple(str(Path(d)) for d in extra_dirs)))


def get_pack(pack_id: str, extra_dirs: Iterable[str | Path] = ()) -> Pack:
    packs = load_packs(extra_dirs)
    try:
        return packs[pack_id]
    except KeyError:
        raise PolicyError(f"unknown policy pack {pack_id!r}") from None


def clear_cache() -> None:
    """Forget loaded packs (after a county edits its pack files)."""
    _load.cache_clear()


def list_rows(packs: Mapping[str, Pack]) -> list[dict[str, Any]]:
    """Rows for `jingzhun policy list`: one per pack, plain values ready for a table or CSV."""
    return [
        {
            "id": pack.id,
            "name": pack.name,
            "year": pack.year,
            "levels": ",".join(pack.levels),
            "extends": pack.extends or "",
            "poverty_line": pack.money("poverty_line") or "",
            "monitoring_threshold": pack.money("monitoring_threshold") or "",
            "unconfirmed": ",".join(pack.unconfirmed),
            "warnings": len(pack.warnings),
        }
        for pack in packs.values()
    ]
