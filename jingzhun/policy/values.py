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


def div_toward(numerator: pl.Expr, denominator: pl.Expr, up: pl.Expr) -> pl.Expr:
    """Integer division rounded up where `up` holds, down elsewhere; denominator > 0.

    Displays round *toward the verdict*: a per-capita income of 3535.0025 that passes
    "> 3535.00" shows as 3535.01, one that fails shows as at most the line, so the figure
    on the page never contradicts the exact comparison behind it.
    """
    return pl.when(up).then(-((-numerator) // denominator)).otherwise(numerator // denominator)


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


def percent_display(numerator: pl.Expr, denominator: pl.Expr, up: pl.Expr) -> pl.Expr:
    """numerator / denominator in percent with two decimals, e.g. 19870/1148555 -> "1.73"."""
    return format_hundredths(div_toward(numerator * 10_000, denominator, up))
