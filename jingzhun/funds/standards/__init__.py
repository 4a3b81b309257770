"""Subsidy standards as data: one TOML file per standard, shipped with the package.

A standard gives a rate per unit (万元 per km of road, say) by width and class, from each payer,
and says who raises the difference. `road_subsidy` turns a length (and optionally the cost)
into what each payer contributes and the village's own share, exactly in fen.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from importlib import resources

from jingzhun.core.money import wan_to_fen


class StandardError(ValueError):
    pass


@dataclass(frozen=True)
class Rate:
    payer: str
    payer_label: str
    level: str
    road_class: str
    width_m: Decimal
    fen_per_unit: int
    cap: bool


@dataclass(frozen=True)
class Standard:
    id: str
    title: str
    source: str
    region_code: str
    year: int
    unit: str
    remainder: str
    road_classes: dict[str, str]
    rates: tuple[Rate, ...]

    def rates_for(self, *, width_m: Decimal, road_class: str) -> list[Rate]:
        if road_class not in self.road_classes:
            raise StandardError(
                f"未知道路类别 {road_class!r} (road class: {', '.join(self.road_classes)})"
            )
        found = [
            r for r in self.rates if r.width_m == width_m and r.road_class in (road_class, "any")
        ]
        if not found:
            widths = sorted({str(r.width_m) for r in self.rates})
            raise StandardError(
                f"{self.title}没有{width_m}米宽的标准 (no rate for width {width_m} m; "
                f"widths: {', '.join(widths)})"
            )
        return found


def _decimal(raw: object, what: str) -> Decimal:
    if isinstance(raw, float):
        raise StandardError(f"{what}: {raw!r} must be text or Decimal, not float")
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation as exc:
        raise StandardError(f"{what}: {raw!r} is not a number") from exc
    if not value.is_finite() or value < 0:
        raise StandardError(f"{what}: {raw!r} must be a non-negative number")
    return value


def available() -> list[str]:
    folder = resources.files(__package__)
    return sorted(
        p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")
    )


@cache
def load(standard_id: str) -> Standard:
    path = resources.files(__package__) / f"{standard_id}.toml"
    if not path.is_file():
        raise StandardError(f"no such standard: {standard_id!r} (have: {', '.join(available())})")
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return Standard(
        id=data["id"],
        title=data["title"],
        source=data["source"],
        region_code=data["region_code"],
        year=int(data["year"]),
        unit=data["unit"],
        remainder=data["remainder"],
        road_classes=dict(data["road_classes"]),
        rates=tuple(
            Rate(
                payer=r["payer"],
                payer_label=r["payer_label"],
                level=r["level"],
                road_class=r["road_class"],
                width_m=Decimal(r["width_m"]),
                fen_per_unit=wan_to_fen(r["wan_per_km"]),
                cap=bool(r["cap"]),
            )
            for r in data["rates"]
        ),
    )


@dataclass(frozen=True)
class Share:
    payer: str
    payer_label: str
    rate_fen_per_km: int
    cap: bool
    amount_fen: int


@dataclass(frozen=True)
class RoadSubsidy:
    standard_id: str
    length_km: Decimal
    width_m: Decimal
    road_class: str
    shares: tuple[Share, ...]
    subsidy_fen: int
    cost_fen: int | None
    village_share_fen: int | None  # the difference raised by the village (一事一议); None: no cost


def _times(length: Decimal, fen_per_km: int) -> int:
    return int((length * fen_per_km).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def road_subsidy(
    *,
    length_km: object,
    width_m: object,
    road_class: str,
    cost_fen: int | None = None,
    standard_id: str = "anyue-2018-roads",
) -> RoadSubsidy:
    """What each payer contributes to a road of `length_km`, and the village's share.

    Without a cost, every payer's full rate (the most the standard allows) is given and the
    village share is unknown (None). With a cost, payers are applied in the standard's order,
    none beyond what is left of the cost, and the village raises the rest.
    """
    standard = load(standard_id)
    length = _decimal(length_km, "length_km")
    width = _decimal(width_m, "width_m")
    if cost_fen is not None and (isinstance(cost_fen, bool) or not isinstance(cost_fen, int)):
        raise StandardError(f"cost_fen must be integer fen: {cost_fen!r}")
    if cost_fen is not None and cost_fen < 0:
        raise StandardError("cost_fen must not be negative")
    left = cost_fen
    shares = []
    for rate in standard.rates_for(width_m=width, road_class=road_class):
        amount = _times(length, rate.fen_per_unit)
        if left is not None:
            amount = min(amount, left)
            left -= amount
        shares.append(Share(rate.payer, rate.payer_label, rate.fen_per_unit, rate.cap, amount))
    subsidy = sum(s.amount_fen for s in shares)
    return RoadSubsidy(
        standard_id=standard.id,
        length_km=length,
        width_m=width,
        road_class=road_class,
        shares=tuple(shares),
        subsidy_fen=subsidy,
        cost_fen=cost_fen,
        village_share_fen=None if cost_fen is None else cost_fen - subsidy,
    )
