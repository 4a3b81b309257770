from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from jingzhun.audit.models import AuditEntry
from jingzhun.core.money import fen_to_yuan_str, wan_to_fen
from jingzhun.funds import selectors, services
from jingzhun.funds.models import Allocation, Budget, Disbursement

from .conftest import (
    COUNTY_FIRST_BATCH,
    COUNTY_FIRST_BATCH_PUBLISHED,
    PROVINCIAL_FIRST_BATCH,
    STATED,
)

pytestmark = pytest.mark.django_db


def yuan(wan: str) -> str:
    return fen_to_yuan_str(wan_to_fen(wan))


def budget_row(report: dict, level: str, budget_year: int) -> dict:
    (row,) = [
        b for b in report["budgets"] if (b["level"], b["budget_year"]) == (level, budget_year)
    ]
    return row


def test_seed_003_figures_agree_with_each_other():
    def total(lines):
        return sum(Decimal(w) for _, w in lines)

    assert total(PROVINCIAL_FIRST_BATCH) == Decimal(STATED["first_batch_provincial"])
    assert total(COUNTY_FIRST_BATCH) == Decimal(STATED["first_batch_county"])
    assert Decimal(STATED["first_batch_provincial"]) + Decimal(
        STATED["first_batch_county"]
    ) == Decimal(STATED["first_batch"])
    assert Decimal(STATED["county_budget"]) - (
        Decimal(STATED["first_batch_county"]) - Decimal(STATED["advance_2017"])
    ) == Decimal(STATED["county_remaining"])


def test_the_published_county_lines_are_three_yuan_over_the_stated_county_total():
    published = sum(wan_to_fen(w) for _, w in COUNTY_FIRST_BATCH_PUBLISHED)
    assert published - wan_to_fen(STATED["first_batch_county"]) == 300  # fen: 3 yuan
    # The only line changed in the ledger is 卫生室建设, by exactly those 3 yuan.
    changed = [
        (a, b)
        for a, b in zip(COUNTY_FIRST_BATCH_PUBLISHED, COUNTY_FIRST_BATCH, strict=True)
        if a != b
    ]
    assert changed == [(("卫生室建设", "126.836"), ("卫生室建设", "126.8357"))]


def test_the_2018_report_reconciles_seed_003_to_the_fen(anyue_2018):
    report = selectors.funds_report(year=2018, region_code="512021000000").as_contract()
    assert report["year"] == 2018
    allocations = report["allocations"]
    assert allocations["total"] == "92278557.00" == yuan(STATED["first_batch"])
    assert allocations["by_batch"] == {"1": "92278557.00"}
    assert allocations["by_level"] == {"provincial": "26720000.00", "county": "65558557.00"}
    assert allocations["by_category"]["产业发展"] == "20448982.00"
    assert allocations["by_category"]["卫生室建设"] == yuan("189")  # 62.1643 + 126.8357
    assert len(allocations["by_category"]) == 19
    assert list(allocations["by_category"])[:2] == ["产业发展", "就业扶持"]  # ledger order

    county = budget_row(report, "county", 2018)
    assert county["amount"] == "83775000.00"
    assert county["planned"] == "65558557.00"
    assert county["brought_forward"] == "13200000.00"
    assert county["allocated"] == "52358557.00"
    assert county["remaining"] == "31416443.00" == yuan(STATED["county_remaining"])

    provincial = budget_row(report, "provincial", 2018)
    assert (provincial["amount"], provincial["allocated"], provincial["remaining"]) == (
        "27440000.00",
        "26720000.00",
        "720000.00",
    )
    municipal = budget_row(report, "municipal", 2018)
    assert municipal["remaining"] == municipal["amount"] == "28090000.00"
    assert [(b["level"], b["budget_year"]) for b in report["budgets"]] == [
        ("provincial", 2018),
        ("municipal", 2018),
        ("county", 2018),
    ]


def test_the_2017_advance_is_charged_once_to_the_2017_county_budget(anyue_2018):
    report = selectors.funds_report(year=2017, region_code="512021").as_contract()
    assert report["allocations"]["total"] == "13200000.00"
    assert report["allocations"]["advances_for_later_years"] == "13200000.00"
    county = budget_row(report, "county", 2017)
    assert (county["amount"], county["allocated"], county["remaining"]) == (
        "69350000.00",
        "13200000.00",
        "56150000.00",
    )
    # Over both budgets the county has paid its 6555.8557万 exactly once.
    balances = selectors.pool_balances(
        [("512021000000", "county", 2017), ("512021000000", "county", 2018)]
    )
    assert sum(b.allocated for b in balances.values()) == wan_to_fen(STATED["first_batch_county"])


def test_the_second_batch_can_take_exactly_what_remains(anyue_2018):
    county = anyue_2018["county"]
    services.allocation_create(
        by=None,
        region=county,
        level="county",
        budget_year=2018,
        year=2018,
        batch="2",
        category="第二批项目",
        amount_fen=wan_to_fen(STATED["county_remaining"]),
    )
    balance = selectors.pool_balance(region_code=county.code, level="county", budget_year=2018)
    assert balance.remaining == 0
    assert balance.allocated == balance.amount


def test_over_allocation_is_refused_with_a_clear_message_and_nothing_written(anyue_2018):
    county = anyue_2018["county"]
    allocations, entries = Allocation.objects.count(), AuditEntry.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.allocation_create(
            by=None,
            region=county,
            level="county",
            budget_year=2018,
            year=2018,
            batch="2",
            category="第二批项目",
            amount_fen=wan_to_fen(STATED["county_remaining"]) + 1,
        )
    message = " ".join(refused.value.messages)
    assert "县级" in message and "2018" in message
    assert "31416443.00" in message and "31416443.01" in message
    assert "county" in message
    assert Allocation.objects.count() == allocations
    assert AuditEntry.objects.count() == entries


def test_an_allocation_without_a_budget_is_refused(places):
    with pytest.raises(ValidationError, match="没有2019年度县级资金预算"):
        services.allocation_create(
            by=None,
            region=places["A"],
            level="county",
            budget_year=2019,
            year=2019,
            batch="1",
            category="产业发展",
            amount_fen=100,
        )
    assert not Allocation.objects.exists()


def test_an_advance_must_be_for_a_later_year(anyue_2018):
    with pytest.raises(ValidationError, match="以后年度"):
        services.allocation_create(
            by=None,
            region=anyue_2018["county"],
            level="municipal",
            budget_year=2018,
            year=2018,
            batch="1",
            category="产业发展",
            amount_fen=100,
            advance_for_year=2018,
        )


def test_amounts_must_be_integer_fen(places):
    with pytest.raises(ValidationError, match="整数分"):
        services.budget_create(
            by=None, region=places["A"], level="county", budget_year=2018, amount_fen=1.5
        )
    assert not Budget.objects.exists()


def test_every_write_is_audited(anyue_2018):
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert actions.count("funds.budget.create") == 4
    assert actions.count("funds.allocation.create") == 1 + 8 + 12


def test_disbursements_never_exceed_their_allocation(anyue_2018):
    import datetime as dt

    advance = anyue_2018["advance"]
    services.disbursement_create(
        by=None,
        allocation=advance,
        date=dt.date(2017, 12, 1),
        amount_fen=wan_to_fen("1000"),
        payee="44个贫困村",
    )
    with pytest.raises(ValidationError, match="3200000.00"):
        services.disbursement_create(
            by=None,
            allocation=advance,
            date=dt.date(2017, 12, 2),
            amount_fen=wan_to_fen("320.000001"),
            payee="44个贫困村",
        )
    services.disbursement_create(
        by=None,
        allocation=advance,
        date=dt.date(2017, 12, 2),
        amount_fen=wan_to_fen("320"),
        payee="44个贫困村",
    )
    assert selectors.allocation_disbursed_fen(advance) == advance.amount_fen
    assert Disbursement.objects.count() == 2
    report = selectors.funds_report(year=2017).as_contract()
    assert report["allocations"]["disbursed"] == "13200000.00"
