"""Cell parsers (text in, typed value out) and formatters (typed value out to text).

Readers hand every cell over as stripped text, so CSV and XLSX go through the same parsers.
A parser is only called for a non-empty cell and raises CellError with a bilingual message.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from jingzhun import vocab
from jingzhun.core import years
from jingzhun.core.money import MoneyError, fen_to_yuan_str, yuan_to_fen
from jingzhun.regions.codes import RegionCodeError, normalize_code
from jingzhun.registry import rules

Parser = Callable[[str], object]
Formatter = Callable[[object], str]


class CellError(ValueError):
    pass


def text(max_length: int, *, pattern: str | None = None, message: str = "") -> Parser:
    """Text of at most `max_length` characters, the whole of it matching `pattern` if given
    (Python's re and polars' regex read the simple patterns used here alike)."""

    def parse(raw: str) -> str:
        if len(raw) > max_length:
            raise CellError(f"最长{max_length}个字符 (at most {max_length} characters)")
        if pattern is not None and not re.fullmatch(pattern, raw):
            raise CellError(message)
        return raw

    # The vectorised pass reads these and checks the column by length and pattern.
    parse.max_length = max_length  # type: ignore[attr-defined]
    parse.pattern = pattern  # type: ignore[attr-defined]
    return parse


phone = text(20, pattern=rules.PHONE_PATTERN, message=rules.PHONE_MESSAGE)


def integer(low: int, high: int) -> Parser:
    def parse(raw: str) -> int:
        try:
            value = int(raw[:-2] if raw.endswith(".0") else raw)
        except ValueError:
            raise CellError("应为整数 (must be a whole number)") from None
        if not low <= value <= high:
            raise CellError(f"应在{low}到{high}之间 (must be between {low} and {high})")
        return value

    return parse


year = integer(years.FIRST_YEAR, years.LAST_YEAR)


def boolean(raw: str) -> bool:
    try:
        return bool(vocab.parse_bool(raw))
    except ValueError:
        raise CellError("应为 是/否、1/0、yes/no 或 true/false (must be yes or no)") from None


def enum(vocabulary: vocab.Vocabulary) -> Parser:
    accepted = "|".join(vocabulary.keys)

    def parse(raw: str) -> str:
        key = vocabulary.parse(raw)
        if key is None:
            raise CellError(f"不是可接受的{vocabulary.name}取值 (not one of {accepted})")
        return key

    return parse


_LIST_SEPARATORS = re.compile(r"[;；、,，]")
_cause = enum(vocab.CAUSE)


def causes(raw: str) -> str:
    """`;`-separated causes (the national export also uses 、 and ，), stored as keys."""
    keys: list[str] = []
    for part in _LIST_SEPARATORS.split(raw):
        if part.strip() and (key := _cause(part.strip())) not in keys:
            keys.append(key)
    return ";".join(keys)


def _national_attribute(raw: str) -> tuple[str, str | None] | None:
    code = raw.zfill(2) if raw.isdigit() else raw  # a spreadsheet turns 02 into 2
    return vocab.NATIONAL_ATTRIBUTE_STATUS.get(code)


_attribute = enum(vocab.ATTRIBUTE)


def attribute(raw: str) -> str:
    """A key or label, or the national system's combined code or label (低保脱贫户 → dibao)."""
    pair = _national_attribute(raw)
    return pair[0] if pair else _attribute(raw)


def implied_status(raw: str) -> str | None:
    """The status a combined national attribute label carries (低保脱贫户 → exited), if any."""
    pair = _national_attribute(raw.strip())
    return pair[1] if pair else None


def date(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw[:10] if raw.endswith(" 00:00:00") else raw)
    except ValueError:
        raise CellError("日期格式应为 YYYY-MM-DD (date must be YYYY-MM-DD)") from None


def yuan(raw: str) -> int:
    """Yuan with at most two decimals, never negative, to integer fen."""
    try:
        fen = yuan_to_fen(raw)
    except MoneyError as exc:
        raise CellError(f"金额无效 (invalid amount): {exc}") from None
    if fen < 0:
        raise CellError("金额不能为负 (must not be negative)")
    return fen


def region_code(raw: str) -> str:
    try:
        return normalize_code(raw)
    except RegionCodeError as exc:
        raise CellError(str(exc)) from None


# --- formatters for export: the inverse of the parsers --------------------------------------


def as_text(value: object) -> str:
    return "" if value is None else str(value)


def as_bool(value: object) -> str:
    return "" if value is None else ("1" if value else "0")


def as_date(value: object) -> str:
    return "" if value is None else value.isoformat()  # type: ignore[attr-defined]


def as_yuan(value: object) -> str:
    return fen_to_yuan_str(value) or ""  # type: ignore[arg-type]
