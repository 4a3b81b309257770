import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from jingzhun.assistance import selectors, services
from jingzhun.assistance.vocab import CRITERION, CRITERION_MEASURES, MEASURE_BATCH, MEASURE_TYPE
from jingzhun.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

D = dt.date
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_every_criterion_maps_to_known_measure_types_and_every_type_to_a_batch():
    assert set(CRITERION_MEASURES) == set(CRITERION.keys)
    for kinds in CRITERION_MEASURES.values():
        assert kinds and set(kinds) <= set(MEASURE_TYPE.keys)
    assert set(MEASURE_BATCH) == set(MEASURE_TYPE.keys)


def test_plan_gaps_suggest_measures_and_the_check_needs_a_measure_or_an_explanation(
    personas, households
):
    household = households["A1a"]
    by = personas["village_officer"]
    failed = ["housing_safe", "income_above_line", "compulsory_education"]
    gaps = selectors.plan_gaps(household, failed)
    assert [g.criterion for g in gaps] == failed
    assert [k for k, _label, _batch in gaps[0].suggested] == ["housing_renovation", "relocation"]
    assert selectors.unanswered_gaps(household, failed) == failed

    measure = services.measure_add(
        by=by,
        household=household,
        kind="housing_renovation",
        description="C级危房改造",
        amount_fen=2_000_000,
        start=D(2019, 3, 1),
    )
    assert measure.batch == "safety_net" and measure.amount_yuan == "20000.00"
    services.measure_add(
        by=by,
        household=household,
        kind="industry",
        criterion="income_above_line",
        description="种植柠檬2亩",
        start=D(2019, 3, 1),
    )
    services.gap_explain(
        by=by, household=household, criterion="compulsory_education", text="家中无义务教育阶段子女"
    )
    assert selectors.unanswered_gaps(household, failed) == []
    # A cancelled measure no longer answers its gap.
    services.measure_set_status(by=by, measure=measure, status="cancelled", today=D(2019, 6, 1))
    assert selectors.unanswered_gaps(household, failed) == ["housing_safe"]
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"plan.create", "measure.add", "gap.explain", "measure.status"} <= actions


def test_a_measure_type_must_belong_to_the_batch_given(personas, households):
    with pytest.raises(ValidationError, match="属于"):
        services.measure_add(
            by=personas["village_officer"],
            household=households["A1a"],
            kind="dibao",
            batch="production",
            description="低保",
            start=D(2019, 1, 1),
        )


def test_the_gaps_are_what_the_policy_engine_finds_failed(households):
    from tests.factories import IncomeFactory

    household = households["A1a"]
    household.housing_safe = False
    household.water_safe = None  # not recorded: unknown, not a failure
    household.radio_tv = False
    household.save()
    IncomeFactory(
        household=household,
        year=2018,
        wage_fen=100_000,
        production_fen=0,
        transfer_fen=0,
        production_cost_fen=0,
    )  # 500 yuan a head: below the line
    failed = selectors.failed_criteria(household, year=2018)
    assert failed == ["income_above_line", "housing_safe", "radio_tv"]


def test_overdue_visits_follow_the_interval_with_a_fake_clock(
    personas, cadre, households, make_household
):
    by = personas["cadre"]
    paired = households["A1a"]  # paired since 2018-01-01, never visited
    fresh = make_household()
    services.pairing_create(
        by=personas["county_admin"], cadre=cadre, household=fresh, start=D(2019, 6, 20)
    )
    today = D(2019, 6, 30)
    assert [
        p.household_id for p in selectors.overdue_visits(user=by, cadre=cadre, today=today)
    ] == [paired.pk]
    services.visit_record(
        by=by, household=paired, cadre=cadre, date=D(2019, 5, 31), found="住房漏雨", today=today
    )
    # 30 days: the 31st of May is exactly 30 days before the 30th of June: still in time.
    assert list(selectors.overdue_visits(user=by, cadre=cadre, today=today)) == []
    late = D(2019, 7, 1)
    assert [p.household_id for p in selectors.overdue_visits(user=by, cadre=cadre, today=late)] == [
        paired.pk
    ]
    # The fresh pairing becomes overdue once it is older than the interval with no visit.
    later = D(2019, 7, 21)
    assert {
        p.household_id for p in selectors.overdue_visits(user=by, cadre=cadre, today=later)
    } == {
        paired.pk,
        fresh.pk,
    }
    with override_settings(JINGZHUN_VISIT_INTERVAL_DAYS=60):
        assert list(selectors.overdue_visits(user=by, cadre=cadre, today=later)) == []


def test_a_visit_needs_a_pairing_on_its_date_and_no_future_date(
    personas, cadre, other_cadre, households, today
):
    with pytest.raises(ValidationError, match="未与户"):
        services.visit_record(
            by=personas["county_admin"],
            household=households["A1a"],
            cadre=other_cadre,
            date=today,
            found="x",
            today=today,
        )
    with pytest.raises(ValidationError, match="不能晚于今天"):
        services.visit_record(
            by=personas["cadre"],
            household=households["A1a"],
            cadre=cadre,
            date=today + dt.timedelta(days=1),
            found="x",
            today=today,
        )


def test_a_visit_photo_is_checked_by_its_bytes_and_size(
    personas, cadre, households, today, tmp_path
):
    with override_settings(MEDIA_ROOT=str(tmp_path)):
        with pytest.raises(ValidationError, match="JPEG"):
            services.visit_record(
                by=personas["cadre"],
                household=households["A1a"],
                cadre=cadre,
                date=today,
                found="x",
                today=today,
                photo=SimpleUploadedFile("a.png", b"<script>", content_type="image/png"),
            )
        with (
            override_settings(JINGZHUN_VISIT_PHOTO_MAX_BYTES=10),
            pytest.raises(ValidationError, match="不能超过"),
        ):
            services.visit_record(
                by=personas["cadre"],
                household=households["A1a"],
                cadre=cadre,
                date=today,
                found="x",
                today=today,
                photo=SimpleUploadedFile("a.png", PNG),
            )
        visit = services.visit_record(
            by=personas["cadre"],
            household=households["A1a"],
            cadre=cadre,
            date=today,
            found="x",
            today=today,
            photo=SimpleUploadedFile("a.png", PNG),
        )
    assert visit.photo_type == "image/png"
    assert AuditEntry.objects.filter(action="visit.record").count() == 1


def test_open_tasks_are_the_unfinished_measures_of_current_households(
    personas, cadre, households, today
):
    by = personas["cadre"]
    for status in ("planned", "in_progress", "done", "cancelled"):
        services.measure_add(
            by=by,
            household=households["A1a"],
            kind="industry",
            description=status,
            start=D(2019, 1, 1),
            status=status,
            done_on=D(2019, 2, 1) if status == "done" else None,
        )
    services.measure_add(
        by=personas["county_admin"],
        household=households["A1b"],  # not the cadre's
        kind="industry",
        description="other",
        start=D(2019, 1, 1),
    )
    tasks = selectors.open_tasks(user=by, cadre=cadre, today=today)
    assert [m.description for m in tasks] == ["planned", "in_progress"]


def _inspection(personas, places, findings):
    return services.inspection_create(
        by=personas["auditor"],
        region=places["A1a"],
        date=D(2019, 5, 10),
        inspectors="县督查第一组",
        today=D(2019, 6, 30),
        findings=findings,
    )


def test_overdue_rectifications_are_flagged_with_a_fake_clock(personas, places):
    inspection = _inspection(
        personas,
        places,
        [
            {
                "description": "档案不全",
                "severity": "general",
                "responsible_unit": "长河村委",
                "deadline": D(2019, 6, 10),
            },
            {
                "description": "未公示",
                "severity": "serious",
                "responsible_unit": "岳阳镇",
                "deadline": D(2019, 6, 30),
            },
        ],
    )
    admin = personas["county_admin"]
    overdue = selectors.finding_list(user=admin, today=D(2019, 6, 30), overdue_only=True)
    assert [x.description for x in overdue] == ["档案不全"]  # the deadline day is still in time
    overdue = selectors.finding_list(user=admin, today=D(2019, 7, 1), overdue_only=True)
    assert [x.description for x in overdue] == ["档案不全", "未公示"]
    first = inspection.findings.get(description="档案不全")
    services.finding_rectify(
        by=admin,
        finding=first,
        rectified_on=D(2019, 6, 20),
        rectification="已补齐",
        today=D(2019, 7, 1),
    )
    overdue = selectors.finding_list(user=admin, today=D(2019, 7, 1), overdue_only=True)
    assert [x.description for x in overdue] == ["未公示"]
    with pytest.raises(ValidationError, match="整改时限不能早于督查日期"):
        services.finding_add(
            by=admin,
            inspection=inspection,
            description="x",
            severity="minor",
            responsible_unit="x",
            deadline=D(2019, 5, 1),
        )
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert actions.count("finding.add") == 2 and "finding.rectify" in actions


def test_villages_are_graded_by_the_countys_thresholds(personas, places):
    inspection = _inspection(
        personas,
        places,
        [
            {
                "description": f"问题{i}",
                "severity": "general",
                "responsible_unit": "村委",
                "deadline": D(2019, 6, 1),
            }
            for i in range(4)
        ],
    )
    admin = personas["county_admin"]
    for finding in list(inspection.findings.all())[:3]:
        services.finding_rectify(
            by=admin,
            finding=finding,
            rectified_on=D(2019, 5, 20),
            rectification="已整改",
            today=D(2019, 6, 30),
        )
    places["A1b"].poor_village = "county"
    places["A1b"].save()

    def grades():
        return {
            g.village.code: (g.grade, g.share)
            for g in selectors.village_grades(
                user=admin, region=places["A"], year=2019, today=D(2019, 6, 30)
            )
        }

    # Defaults (good ≥ 90, medium ≥ 60): 3 of 4 rectified = 75 % → medium; no findings → good.
    assert grades() == {
        places["A1a"].code: ("medium", Decimal("75.00")),
        places["A1b"].code: ("good", Decimal("100")),
    }
    services.grading_rule_set(
        by=admin,
        county=places["A"],
        good_min_percent=Decimal("75"),
        medium_min_percent=Decimal("50"),
    )
    assert grades()[places["A1a"].code][0] == "good"  # exactly at the threshold
    services.grading_rule_set(
        by=admin,
        county=places["A"],
        good_min_percent=Decimal("95"),
        medium_min_percent=Decimal("80"),
    )
    assert grades()[places["A1a"].code][0] == "poor"
    with pytest.raises(ValidationError):
        services.grading_rule_set(
            by=admin,
            county=places["A"],
            good_min_percent=Decimal("50"),
            medium_min_percent=Decimal("60"),
        )
    assert AuditEntry.objects.filter(action="grading_rule.set").count() == 2
