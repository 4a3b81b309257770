"""安岳县 2018 (seed 003) as figures: the ledger the demo loads and the tests reconcile.

Seed 003, lines ~105-125:
  2018年，我县收到中央及省级财政专项扶贫资金2744万元，市级财政专项扶贫资金2809万元。县级预算安排
  财政专项扶贫资金8377.5万元，比上年增加1442.5万元 …  第一批共计安排9227.8557万元。其中安排省级
  2672万元 (eight categories) … 安排县级6555.8557万元 (twelve categories) … 其中2017年已安排44个
  贫困村提前启动资金1320万元。县级预算财政专项扶贫资金剩余3141.6443万元用于第二批项目资金安排。
"""

from __future__ import annotations

from decimal import Decimal

from jingzhun.core.money import wan_to_fen

# (category, 万元) exactly as published.
PROVINCIAL_FIRST_BATCH = (
    ("产业发展", "2044.8982"),
    ("就业扶持", "225.0775"),
    ("愁吃、愁穿", "0.49"),
    ("危房改造", "271.375"),
    ("安全饮用水", "51.977"),
    ("生活用电", "9.1"),
    ("广播电视(信号)", "6.918"),
    ("卫生室建设", "62.1643"),
)
COUNTY_FIRST_BATCH_PUBLISHED = (
    ("特困户帮扶基金", "880"),
    ("村集体经济建设", "1285.4"),
    ("通村硬化路建设", "496.5"),
    ("卫生室建设", "126.836"),
    ("文化室建设", "226"),
    ("便民服务室建设", "20.5"),
    ("社级道路建设", "690"),
    ("生产生活便道建设", "1144.89"),
    ("小板路建设", "349.08"),
    ("蓄水池建设", "388"),
    ("山坪塘建设", "806.65"),
    ("其他项目建设", "142"),
)
# The published county lines add up to 6555.8560万, 0.0003万 (3 yuan) more than the stated
# county total 6555.8557万, which the first-batch total (9227.8557) and the remainder
# (3141.6443) both confirm. The ledger takes the stated totals as authoritative and reads
# 卫生室建设 126.836 — the one figure printed to three decimals — as 126.8357 rounded.
COUNTY_FIRST_BATCH = tuple(
    (name, "126.8357" if name == "卫生室建设" else wan)
    for name, wan in COUNTY_FIRST_BATCH_PUBLISHED
)
STATED = {
    "central_provincial_received": "2744",
    "municipal_received": "2809",
    "county_budget": "8377.5",
    "county_increase": "1442.5",
    "first_batch": "9227.8557",
    "first_batch_provincial": "2672",
    "first_batch_county": "6555.8557",
    "advance_2017": "1320",
    "county_remaining": "3141.6443",
}
COUNTY_BUDGET_2017 = str(Decimal(STATED["county_budget"]) - Decimal(STATED["county_increase"]))


def load_ledger(*, by, county) -> dict:
    """Seed 003's 2018 budgets and first batch (with 2017's advance) for `county`, through the
    services: every line audited, every allocation checked against its pool."""
    from . import services

    def budget(level, year, wan, **kw):
        return services.budget_create(
            by=by, region=county, level=level, budget_year=year, amount_fen=wan_to_fen(wan), **kw
        )

    budget(
        "provincial",
        2018,
        STATED["central_provincial_received"],
        note="中央及省级财政专项扶贫资金 (central and provincial, received together)",
    )
    budget("municipal", 2018, STATED["municipal_received"])
    budget("county", 2018, STATED["county_budget"], source="县级预算")
    budget("county", 2017, COUNTY_BUDGET_2017, note="8377.5 - 1442.5 (比上年增加1442.5万元)")

    def allocate(level, budget_year, year, batch, category, wan, **kw):
        return services.allocation_create(
            by=by,
            region=county,
            level=level,
            budget_year=budget_year,
            year=year,
            batch=batch,
            category=category,
            amount_fen=wan_to_fen(wan),
            **kw,
        )

    advance = allocate(
        "county",
        2017,
        2017,
        "提前启动",
        "贫困村提前启动资金",
        STATED["advance_2017"],
        advance_for_year=2018,
        note="44个贫困村",
    )
    for category, wan in PROVINCIAL_FIRST_BATCH:
        allocate("provincial", 2018, 2018, "1", category, wan)
    for category, wan in COUNTY_FIRST_BATCH:
        allocate("county", 2018, 2018, "1", category, wan)
    return {"county": county, "advance": advance}
