"""Exact numbers: money in integer fen, rates as integer fractions, display as decimal strings.

Floats never touch a figure: a per-capita income 0.005 yuan above the line must pass and one
exactly on it must fail, on every machine. Python values are `Decimal`/`int`; the Polars
helpers below stay in Int64 arithmetic and format only at the end.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import polars as pl

CENT = Decimal("0.01")


def parse_decimal(raw: object) -> Decimal:
    """A decimal from an int or a decimal string; ValueError for floats, booleans and junk.

    TOML floats are refused because 0.1 + 0.2 style rounding would make a line unprovable.
    """
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise ValueError('write the figure as a string ("3535.00") or an integer, not a float')
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ValueError(f"not a number: {raw!r}") from None
    if not value.is_finite():
        raise ValueError(f"not a number: {raw!r}")
    return value


def yuan_to_fen(value: Decimal) -> int:
    if value != value.quantize(CENT):
        raise ValueError(f"{value} has more than two decimals (money is kept to the fen)")
    return int(value * 100)


def format_fen(fen: int) -> str:
    """Integer fen as yuan with two decimals: 353500 -> "3535.00"."""
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def format_decimal(value: Decimal, places: int = 2) -> str:
    return str(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def fraction(value: Decimal) -> tuple[int, int]:
    """(numerator, denominator) with a positive denominator, exact."""
    return value.as_integer_ratio()


# --- Polars expressions -------------------------------------------------------------------


def div_half_up(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """Integer division rounded half away from zero, as published figures are; denominator > 0."""
    magnitude = (numerator.abs() * 2 + denominator) // (denominator * 2)
    return pl.when(numerator < 0).then(-magnitude).otherwise(magnitude)


def agree(shown: pl.Expr, passed: pl.Expr, boundary: pl.Expr | int, *, pass_above: bool) -> pl.Expr:
    """Nudge a rounded display so that it never contradicts the exact verdict.

    `boundary` is the first passing display value when passing lies above it ("> 3535.00"
    passes from 3535.01), the last when passing lies below it ("< 3.00" passes up to 2.99).
    Only figures within half a unit of the boundary move: 2.996% that passes "< 3.00" shows
    2.99, not 3.00; every other figure reads exactly as a published one.
    """
    edge = pl.lit(boundary) if isinstance(boundary, int) else boundary
    if pass_above:
        return (
            pl.when(passed)
            .then(pl.max_horizontal(shown, edge))
            .otherwise(pl.min_horizontal(shown, edge - 1))
        )
    return (
        pl.when(passed)
        .then(pl.min_horizontal(shown, edge))
        .otherwise(pl.max_horizontal(shown, edge + 1))
    )


def format_hundredths(hundredths: pl.Expr) -> pl.Expr:
    """Int64 hundredths (fen, or hundredths of a percent) as "1234.56"; null stays null."""
    magnitude = hundredths.abs()
    sign = pl.when(hundredths < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    return pl.format(
        "{}{}.{}",
        sign,
        (magnitude // 100).cast(pl.String),
        (magnitude % 100).cast(pl.String).str.zfill(2),
    )


def percent_hundredths(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """numerator / denominator in hundredths of a percent, half-up: 19870/1148555 -> 173."""
    return div_half_up(numerator * 10_000, denominator)
