"""Money is integer fen end to end; these are the only doors in and out.

Yuan strings carry at most two decimals and 万元 at most six (0.000001 万元 = 0.01 yuan), so
every accepted amount is an exact number of fen and a round trip never drifts.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

FEN_PER_YUAN = 100
FEN_PER_WAN = 1_000_000


class MoneyError(ValueError):
    pass


def _decimal(raw: object) -> Decimal:
    if isinstance(raw, float):
        # A float has already lost the exact value; refuse rather than guess.
        raise MoneyError(
            f"{raw!r}：金额须以文本给出 (amounts must be given as text or Decimal, not float)"
        )
    text = str(raw).strip().replace(",", "").replace("，", "")
    if not text:
        raise MoneyError("金额为空 (empty amount)")
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise MoneyError(f"{raw!r} 不是数字 (is not a number)") from exc
    if not value.is_finite():
        raise MoneyError(f"{raw!r} 不是有限的数 (is not a finite number)")
    return value


def _exact(value: Decimal, factor: int, raw: object, unit: str, places: int) -> int:
    scaled = value * factor
    if scaled != scaled.to_integral_value():
        raise MoneyError(
            f"{raw!r}：以{unit}计最多{places}位小数"
            f" (at most {places} decimal places are allowed in {unit})"
        )
    return int(scaled)


def yuan_to_fen(raw: object) -> int:
    return _exact(_decimal(raw), FEN_PER_YUAN, raw, "元", 2)


def wan_to_fen(raw: object) -> int:
    return _exact(_decimal(raw), FEN_PER_WAN, raw, "万元", 6)


def fen_to_yuan(fen: int) -> Decimal:
    return (Decimal(fen) / FEN_PER_YUAN).quantize(Decimal("0.01"))


def fen_to_yuan_str(fen: int | None) -> str | None:
    """The contract's money format: a decimal string in yuan with two decimals."""
    return None if fen is None else str(fen_to_yuan(fen))


def fen_to_wan(fen: int) -> Decimal:
    return (Decimal(fen) / FEN_PER_WAN).quantize(Decimal("0.000001"))


def per_capita_yuan(net_fen: int, persons: int) -> Decimal | None:
    """Per-capita amount in yuan, to the fen, rounded half-up; None for an empty household.

    Only for display: comparisons with a line are done exactly as net_fen > line_fen * persons.
    """
    if persons <= 0:
        return None
    return (Decimal(net_fen) / persons / FEN_PER_YUAN).quantize(Decimal("0.01"))
