"""Helpers for the policy-engine tests: pure Python, no database."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from jingzhun.policy import CriterionResult, assess_one, clear_cache, get_pack

ON = date(2018, 12, 31)


def criterion(
    pack_id: str,
    level: str,
    key: str,
    record: Mapping[str, Any],
    *,
    members: tuple[Mapping[str, Any], ...] = (),
    on: date = ON,
) -> CriterionResult:
    """The result of one criterion of a shipped pack for one entity."""
    result = assess_one(get_pack(pack_id), level, record, members=members, on=on)
    return next(c for c in result.criteria if c.key == key)


@pytest.fixture
def pack_dir(tmp_path: Path) -> Callable[..., Path]:
    """Write TOML packs into a fresh directory: pack_dir(**{"file-id": "toml text"})."""

    def write(**files: str) -> Path:
        for name, text in files.items():
            (tmp_path / f"{name}.toml").write_text(textwrap.dedent(text), encoding="utf-8")
        return tmp_path

    yield write
    clear_cache()


MINIMAL = """
    id = "{id}"
    name = "测试"
    name_en = "Test"
    year = 2018
    {extra}

    [[source]]
    title = "test source"
"""


def minimal(pack_id: str, extra: str = "", body: str = "") -> str:
    return MINIMAL.format(id=pack_id, extra=extra) + textwrap.dedent(body)
