import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from jingzhun.assistance import selectors, services
from jingzhun.assistance.models import Pairing
from jingzhun.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

D = dt.date


def test_a_household_paired_with_a_cadre_is_audited_in_the_same_write(
    personas, cadre, make_household
):
    household = make_household()
    pairing = services.pairing_create(
        by=personas["township_officer"], cadre=cadre, household=household, start=D(2019, 1, 1)
    )
    entry = AuditEntry.objects.get(action="pairing.create", object_id=str(pairing.pk))
    assert entry.household_no == household.household_no
    assert entry.actor == "township_officer"


def test_one_cadre_may_be_paired_with_several_households(personas, cadre, make_household):
    for _ in range(3):
        services.pairing_create(
            by=personas["county_admin"],
            cadre=cadre,
            household=make_household(),
            start=D(2019, 1, 1),
        )
    assert cadre.pairings.count() == 4  # with the persona's own household


def test_the_same_cadre_and_household_cannot_overlap(personas, cadre, households):
    with pytest.raises(ValidationError, match="期间不能重叠"):
        services.pairing_create(
            by=personas["county_admin"],
            cadre=cadre,
            household=households["A1a"],
            start=D(2019, 3, 1),
            end=D(2019, 12, 31),
        )


def test_a_second_current_cadre_for_a_household_is_refused_with_the_first_ones_name(
    personas, other_cadre, households
):
    with pytest.raises(ValidationError) as caught:
        services.pairing_create(
            by=personas["county_admin"],
            cadre=other_cadre,
            household=households["A1a"],
            start=D(2019, 3, 1),
        )
    message = " ".join(caught.value.messages)
    assert "赵帮扶" in message and "只能有一名帮扶责任人" in message
    assert Pairing.objects.filter(cadre=other_cadre).count() == 0


def test_after_the_first_pairing_ends_another_cadre_may_take_over(
    personas, cadre, other_cadre, households
):
    first = Pairing.objects.get(cadre=cadre)
    services.pairing_end(by=personas["county_admin"], pairing=first, end=D(2019, 2, 28))
    services.pairing_create(
        by=personas["county_admin"],
        cadre=other_cadre,
        household=households["A1a"],
        start=D(2019, 3, 1),
    )
    # The new pairing may not reach back into the old one's period either.
    with pytest.raises(ValidationError):
        services.pairing_create(
            by=personas["county_admin"],
            cadre=cadre,
            household=households["A1a"],
            start=D(2019, 2, 1),
            end=D(2019, 3, 1),
        )
    assert AuditEntry.objects.filter(action="pairing.end").count() == 1


def test_an_end_before_the_start_is_refused(personas, cadre, make_household):
    with pytest.raises(ValidationError, match="结束日期不能早于开始日期"):
        services.pairing_create(
            by=personas["county_admin"],
            cadre=cadre,
            household=make_household(),
            start=D(2019, 5, 1),
            end=D(2019, 4, 30),
        )


def test_a_household_outside_the_cadres_region_is_refused(personas, cadre, households):
    with pytest.raises(ValidationError, match="不在责任人所在区划"):
        services.pairing_create(
            by=personas["county_admin"], cadre=cadre, household=households["B"], start=D(2019, 1, 1)
        )


def test_coverage_lists_poor_and_returned_households_without_a_current_cadre(
    personas, places, cadre, households, make_household, today
):
    admin = personas["county_admin"]
    returned = make_household(status="returned")
    make_household(status="exited", exit_year=2018)  # exited: no gap
    ended = make_household()
    services.pairing_create(
        by=admin, cadre=cadre, household=ended, start=D(2018, 1, 1), end=D(2019, 1, 1)
    )
    future = make_household()
    services.pairing_create(by=admin, cadre=cadre, household=future, start=D(2019, 7, 1))
    gaps = set(
        selectors.uncovered_households(user=admin, region=places["A"], today=today).values_list(
            "household_no", flat=True
        )
    )
    assert gaps == {
        households["A1b"].household_no,
        returned.household_no,
        ended.household_no,
        future.household_no,
    }
    summary = selectors.coverage_summary(user=admin, region=places["A"], today=today)
    assert [(r.region.code, r.poor_households, r.uncovered_households) for r in summary] == [
        (places["A1"].code, 5, 4)
    ]


def test_coverage_lists_poor_villages_without_a_current_team_or_secretary(personas, places, today):
    admin = personas["county_admin"]
    a1a, a1b = places["A1a"], places["A1b"]
    a1a.poor_village = "province"
    a1a.save()
    a1b.poor_village = "county"
    a1b.save()
    services.work_team_create(
        by=admin,
        village=a1a,
        unit="县农业局",
        start=D(2018, 1, 1),
        members=[{"name": "孙队长", "role": "leader"}, {"name": "周队员"}],
    )
    services.first_secretary_create(by=admin, village=a1a, name="吴书记", start=D(2018, 1, 1))
    services.work_team_create(
        by=admin, village=a1b, unit="县交通局", start=D(2017, 1, 1), end=D(2018, 12, 31)
    )
    gaps = list(selectors.uncovered_villages(user=admin, region=places["A"], today=today))
    assert [(v.code, v.has_team, v.has_secretary) for v in gaps] == [(a1b.code, False, False)]
    # An exited poor village is no longer a gap.
    a1b.exit_year = 2019
    a1b.save()
    assert list(selectors.uncovered_villages(user=admin, region=places["A"], today=today)) == []


def test_a_village_has_one_work_team_and_one_first_secretary_at_a_time(personas, places):
    admin = personas["county_admin"]
    services.work_team_create(by=admin, village=places["A1a"], unit="县农业局", start=D(2018, 1, 1))
    with pytest.raises(ValidationError, match="已有县农业局驻村工作队"):
        services.work_team_create(
            by=admin, village=places["A1a"], unit="县水务局", start=D(2019, 1, 1)
        )
    services.first_secretary_create(
        by=admin, village=places["A1a"], name="吴书记", start=D(2018, 1, 1)
    )
    with pytest.raises(ValidationError, match="吴书记"):
        services.first_secretary_create(
            by=admin, village=places["A1a"], name="郑书记", start=D(2019, 1, 1)
        )
    with pytest.raises(ValidationError, match="村"):
        services.work_team_create(by=admin, village=places["A1"], unit="x", start=D(2018, 1, 1))
    assert AuditEntry.objects.filter(action="work_team.create").count() == 1
    assert AuditEntry.objects.filter(action="first_secretary.create").count() == 1
