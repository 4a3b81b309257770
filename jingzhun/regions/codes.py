"""12-digit statistical division codes: province(2) city(2) county(2) township(3) village(3)."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from jingzhun.vocab import REGION_LEVELS

LEVEL_PREFIX = {name: length for name, length, _ in REGION_LEVELS}
LEVEL_LABEL = {name: label for name, _, label in REGION_LEVELS}
# For the catalogue only: a page shows LEVEL_LABEL's names through gettext.
LEVEL_NAMES_TO_TRANSLATE = (
    gettext_noop("省"),
    gettext_noop("市"),
    gettext_noop("县"),
    gettext_noop("乡镇"),
    gettext_noop("村"),
)


class RegionCodeError(ValueError):
    pass


def normalize_code(raw: object) -> str:
    """A 12-digit code; shorter codes (a 6-digit county code, say) are padded with zeros."""
    text = str(raw or "").strip()
    if text.endswith(".0"):  # spreadsheet cells typed as numbers
        text = text[:-2]
    if not text.isdigit() or len(text) not in (2, 4, 6, 9, 12):
        raise RegionCodeError(f"区划代码应为2/4/6/9/12位数字: {raw!r} (12-digit region code)")
    return text.ljust(12, "0")


def level_of(code: str) -> str:
    """The level a code names, from where its trailing zeros begin."""
    for name, length, _ in reversed(REGION_LEVELS):
        if code[length - (3 if length > 6 else 2) : length].strip("0"):
            return name
    raise RegionCodeError(f"{code}: all zeros is not a region")


def prefix(code: str) -> str:
    """The significant part: every descendant's code starts with it."""
    return code[: LEVEL_PREFIX[level_of(code)]]


def parent_code(code: str) -> str | None:
    level = level_of(code)
    index = [name for name, _, _ in REGION_LEVELS].index(level)
    if index == 0:
        return None
    parent_len = REGION_LEVELS[index - 1][1]
    return code[:parent_len].ljust(12, "0")


def ancestors(code: str) -> list[str]:
    """Codes from the province down to the region's parent."""
    chain = []
    current = parent_code(code)
    while current is not None:
        chain.append(current)
        current = parent_code(current)
    return list(reversed(chain))
