import datetime as dt
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError

from jingzhun.assistance import selectors, services
from jingzhun.assistance.models import Target
from jingzhun.assistance.selectors import Progress, TargetRow, percent, rank_rows
from jingzhun.audit.models import AuditEntry
from tests.factories import region_chain

D = dt.date


def test_seed_001_anzhou_4516_persons_against_4106_is_110_percent():
    assert percent(4516, 4106) == "110"
    assert percent(4516, 4106, places=1) == "110.0"
    assert percent(4516, 4106, places=2) == "109.99"


def test_percent_rounds_half_up_and_has_no_value_without_a_target():
    assert percent(1, 8, places=1) == "12.5"
    assert percent(1, 8) == "13"  # 12.5 → 13, not banker's 12
    assert percent(1, 200) == "1"  # 0.5 → 1
    assert percent(5, 0) is None
    # 安州 Jan–Jul: 1928 against the year's 3507 → 55% as the seed says
    assert percent(1928, 3507) == "55"


def _row(code, done, target):
    from jingzhun.regions.models import Region

    region = Region(code=code, name=code, level="township")
    return TargetRow(
        region=region,
        target=Target(persons=target) if target is not None else None,
        done=Progress(persons=done),
    )


def test_ranking_ties_share_a_rank_and_skip_the_next_competition_style():
    rows = rank_rows(
        [
            _row("t1", 50, 100),  # 50 %
            _row("t2", 120, 100),  # 120 %
            _row("t3", 80, 100),  # 80 %
            _row("t4", 40, 50),  # 80 %: tie with t3
            _row("t5", 10, None),  # no target: unranked, last
            _row("t6", 1, 2),  # 50 %: tie with t1
        ]
    )
    assert [(r.region.code, r.rank) for r in rows] == [
        ("t2", 1),
        ("t3", 2),
        ("t4", 2),
        ("t1", 4),
        ("t6", 4),
        ("t5", None),
    ]


def test_ranking_uses_the_exact_share_not_the_rounded_percent():
    # 2/3 and 66.67/100 both print 66.7 % but are not equal: no false tie.
    rows = rank_rows([_row("a", 2, 3), _row("b", 6667, 10000)])
    assert rows[0].ratio == Fraction(6667, 10000) and rows[0].rank == 1
    assert rows[1].rank == 2
    assert rows[0].persons_percent == rows[1].persons_percent == "66.7"


pytestmark_db = pytest.mark.django_db


@pytest.fixture
def county_target(personas, places):
    return services.target_set(
        by=personas["county_admin"],
        region=places["A"],
        year=2019,
        persons=4106,
        households=1500,
        villages=7,
    )


@pytestmark_db
def test_a_split_must_add_up_to_the_parents_target(personas, places, county_target):
    # County A has one township; add a second so the split has two shares.
    a2 = region_chain("512021002001").parent
    admin = personas["county_admin"]
    with pytest.raises(ValidationError) as caught:
        services.target_split(
            by=admin,
            parent=county_target,
            shares={
                places["A1"].code: {"persons": 2000, "households": 700, "villages": 3},
                a2.code: {"persons": 2000, "households": 800, "villages": 4},
            },
        )
    assert "减贫人数分解合计 4000 与安岳县目标 4106 不符（少 106）" in caught.value.messages
    assert not Target.objects.filter(region__parent=places["A"]).exists()
    services.target_split(
        by=admin,
        parent=county_target,
        shares={
            places["A1"].code: {"persons": 2106, "households": 700, "villages": 3},
            a2.code: {"persons": 2000, "households": 800, "villages": 4},
        },
    )
    assert (
        sum(Target.objects.filter(region__parent=places["A"]).values_list("persons", flat=True))
        == 4106
    )
    assert AuditEntry.objects.filter(action="target.split").count() == 1
    # The county's own figure cannot now drift from its split, nor a child be set on its own.
    with pytest.raises(ValidationError, match="重新分解"):
        services.target_set(
            by=admin, region=places["A"], year=2019, persons=5000, households=1500, villages=7
        )
    with pytest.raises(ValidationError, match="须由上级分解"):
        services.target_set(by=admin, region=places["A1"], year=2019, persons=1)


@pytestmark_db
def test_a_split_names_only_direct_children(personas, places, county_target):
    with pytest.raises(ValidationError, match="不是安岳县的直属下级"):
        services.target_split(
            by=personas["county_admin"],
            parent=county_target,
            shares={places["A1a"].code: {"persons": 4106, "households": 1500, "villages": 7}},
        )


@pytestmark_db
def test_progress_counts_exits_of_the_year_from_the_registry(
    personas, places, county_target, make_household
):
    make_household("A1a", status="exited", exit_year=2019, persons=3)
    make_household("A1b", status="exited", exit_year=2019, persons=2)
    make_household("A1b", status="exited", exit_year=2018, persons=4)  # last year's
    make_household("A1b", status="poor", persons=5)
    make_household("B", status="exited", exit_year=2019, persons=6)  # another county
    places["A1a"].poor_village, places["A1a"].exit_year = "province", 2019
    places["A1a"].save()
    done = selectors.progress(region=places["A"], year=2019)
    assert (done.persons, done.households, done.villages) == (5, 2, 1)
    services.target_split(
        by=personas["county_admin"],
        parent=county_target,
        shares={places["A1"].code: {"persons": 4106, "households": 1500, "villages": 7}},
    )
    rows = selectors.target_children(user=personas["county_admin"], region=places["A"], year=2019)
    assert [(r.region.code, r.done.persons, r.rank) for r in rows] == [(places["A1"].code, 5, 1)]
    assert rows[0].persons_percent == "0.1"
