"""The funds pages: the report shows the ledger's numbers (seed 003) in yuan and 万元 and
exports them to XLSX, the project form's calculator applies seed 003's road standard, and
every page is bounded by the scoping layer."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from jingzhun.audit.models import AuditEntry
from jingzhun.funds import selectors, services
from jingzhun.funds.models import Allocation, Budget, Project
from tests.conftest import COUNTY_A, VILLAGE_A1A

pytestmark = pytest.mark.django_db


def report_url(**params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{reverse('funds:report')}?{query}"


def test_the_report_page_shows_seed_003s_remainder_in_yuan_and_wan(anyue_2018, personas, client):
    client.force_login(personas["county_admin"])
    html = client.get(report_url(region=COUNTY_A, year=2018)).content.decode()
    assert "31,416,443.00" in html  # county 2018 remaining, yuan
    assert "3141.6443" in html  # the same in 万元
    assert "92,278,557.00" in html and "9227.8557" in html  # the first batch
    assert "13,200,000.00" in html  # 1320万 brought forward from 2017
    assert "社级道路建设" in html  # by category
    assert "省级" in html and "县级" in html  # by level, labelled


def test_the_report_xlsx_has_the_same_numbers_as_the_json(anyue_2018, personas, client):
    client.force_login(personas["county_admin"])
    response = client.get(report_url(region=COUNTY_A, year=2018, format="xlsx"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(response.content))
    contract = selectors.funds_report(year=2018, region_code=COUNTY_A).as_contract()

    budgets = wb["预算余额"]
    rows = [
        [c.value for c in row] for row in budgets.iter_rows(min_row=4) if row[0].value is not None
    ]
    assert [(r[1], Decimal(str(r[7]))) for r in rows] == [
        (b["budget_year"], Decimal(b["remaining"])) for b in contract["budgets"]
    ]
    county_2018 = next(r for r in rows if r[0] == "县级" and r[1] == 2018)
    assert Decimal(str(county_2018[7])) == Decimal("31416443.00")
    assert Decimal(str(county_2018[8])) == Decimal("3141.6443")

    for sheet, key in (("按级别", "by_level"), ("按用途", "by_category"), ("按批次", "by_batch")):
        values = [
            Decimal(str(row[1].value))
            for row in wb[sheet].iter_rows(min_row=4)
            if row[0].value not in (None, "合计")
        ]
        assert values == [Decimal(v) for v in contract["allocations"][key].values()]
        total = next(r for r in wb[sheet].iter_rows(min_row=4) if r[0].value == "合计")
        assert Decimal(str(total[1].value)) == Decimal(contract["allocations"]["total"])
    assert budgets["B3"].value == "资金年度"  # Chinese headers under a merged title row
    assert "A1:I1" in {str(r) for r in budgets.merged_cells.ranges}


def test_the_report_is_bounded_by_the_scope(anyue_2018, personas, client):
    client.force_login(personas["outsider"])
    assert client.get(report_url(region=COUNTY_A, year=2018)).status_code == 404
    client.force_login(personas["cadre"])
    assert client.get(report_url(region=COUNTY_A, year=2018)).status_code == 403
    client.force_login(personas["village_officer"])
    html = client.get(report_url(year=2018)).content.decode()
    assert "31,416,443.00" not in html  # the county's budget is not the village's


def calculator_post(client, **extra):
    data = {
        "name": "长河村通村公路",
        "category": "通村硬化路建设",
        "location": VILLAGE_A1A,
        "year": "2018",
        "planned_quantity": "2.5",
        "unit": "km",
        "standard": "anyue-2018-roads",
        "calc-width_m": "4.5",
        "calc-road_class": "village",
        "calc-cost": "200",
        "calc-cost_unit": "wan",
        **extra,
    }
    return client.post(f"{reverse('funds:project_create')}?region={COUNTY_A}", data)


def test_the_calculator_gives_each_payers_share_and_the_villages_and_saves_nothing(
    personas, client
):
    client.force_login(personas["county_admin"])
    html = calculator_post(client, calculate="1").content.decode()
    # 2.5 km of 4.5 m road to a village: transport bureau 45万/km = 112.5万, poverty fund up to
    # 30万/km = 75万, the village raises 200 - 187.5 = 12.5万 (seed 003's standard).
    assert "1,125,000.00" in html and "112.5" in html
    assert "750,000.00" in html
    assert "1,875,000.00" in html
    assert "125,000.00" in html and "12.5" in html
    assert Project.objects.count() == 0
    assert 'value="长河村通村公路"' in html  # what was typed stays on the form


def test_the_calculator_explains_what_it_needs(personas, client):
    client.force_login(personas["county_admin"])
    html = calculator_post(client, calculate="1", unit="tank").content.decode()
    assert "请把单位选为" in html
    html = calculator_post(client, calculate="1", planned_quantity="").content.decode()
    assert "请先填写计划建设规模" in html
    html = calculator_post(client, calculate="1", **{"calc-cost": "1.0000001"}).content.decode()
    assert "6 decimal places" in html


def test_a_project_saved_from_the_form_is_audited_and_takes_progress(places, personas, client):
    client.force_login(personas["county_admin"])
    response = calculator_post(client)
    project = Project.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "funds:project", args=[project.pk]
    )
    assert AuditEntry.objects.filter(action="funds.project.create").count() == 1
    response = client.post(
        reverse("funds:project", args=[project.pk]), {"date": "2018-06-01", "quantity": "1.5"}
    )
    assert response.status_code == 302
    html = client.get(reverse("funds:project", args=[project.pk])).content.decode()
    assert "1.500" in html and "60.0%" in html
    listing = client.get(f"{reverse('funds:projects')}?region={COUNTY_A}").content.decode()
    assert "长河村通村公路" in listing and "60.0" in listing
    sheet = load_workbook(
        io.BytesIO(
            client.get(reverse("funds:projects"), {"region": COUNTY_A, "format": "xlsx"}).content
        )
    ).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("项目年度", "项目名称", "用途类别")
    assert rows[1][1] == "长河村通村公路" and rows[1][5] == "实施中" and rows[1][9] == "60.0"


def test_a_project_outside_the_writers_scope_is_refused(places, personas, client):
    client.force_login(personas["outsider"])
    response = calculator_post(client)
    assert response.status_code == 404  # ?region= names county A, outside county B
    page = client.post(
        f"{reverse('funds:project_create')}?region=510104",
        {"name": "x", "category": "y", "location": VILLAGE_A1A, "year": "2018"},
    )
    assert page.status_code == 200 and "location" in page.context["form"].errors
    client.force_login(personas["township_officer"])
    assert calculator_post(client).status_code == 403
    assert Project.objects.count() == 0


def test_a_project_page_outside_the_scope_is_404(places, personas, client):
    project = services.project_create(
        by=None,
        name="长河村蓄水池",
        category="蓄水池建设",
        location=places["A1a"],
        year=2018,
        planned_quantity="3",
        unit="tank",
    )
    client.force_login(personas["outsider"])
    assert client.get(reverse("funds:project", args=[project.pk])).status_code == 404
    client.force_login(personas["auditor"])
    page = client.get(reverse("funds:project", args=[project.pk]))
    assert page.status_code == 200 and "记录本期完成" not in page.content.decode()
    assert (
        client.post(
            reverse("funds:project", args=[project.pk]), {"date": "2018-06-01", "quantity": "1"}
        ).status_code
        == 403
    )


def test_the_household_page_sums_benefits_per_year(places, households, personas, client):
    from jingzhun.assistance.models import Measure, Plan

    household = households["A1a"]
    water = services.project_create(
        by=None,
        name="长河村蓄水池",
        category="蓄水池建设",
        location=places["A1a"],
        year=2018,
        planned_quantity="2",
        unit="tank",
    )
    services.beneficiary_add(
        by=None, project=water, household=household, year=2018, amount_fen=120000, note="入户水池"
    )
    Measure.objects.create(
        plan=Plan.objects.create(household=household),
        batch=Measure._meta.get_field("batch").choices[0][0],
        kind=Measure._meta.get_field("kind").choices[0][0],
        description="产业发展到户资金",
        amount_fen=100050,
        start=dt.date(2018, 3, 1),
    )
    client.force_login(personas["village_officer"])
    html = client.get(reverse("household", args=[household.household_no])).content.decode()
    section = html[html.index('id="benefits"') :]
    assert "长河村蓄水池" in section and "产业发展到户资金" in section
    assert "2018年合计" in section and "2,200.50" in section


def test_a_beneficiary_household_is_linked_from_the_project_page(
    places, households, personas, client
):
    project = services.project_create(
        by=None,
        name="长河村产业园",
        category="产业发展",
        location=places["A1a"],
        year=2018,
        planned_quantity="1",
        unit="place",
    )
    url = reverse("funds:project", args=[project.pk])
    client.force_login(personas["county_admin"])

    def add(no, amount="500.5"):
        data = {
            "benefit-household_no": no,
            "benefit-year": "2018",
            "benefit-amount": amount,
            "benefit-note": "分红",
        }
        return client.post(url, data)

    unknown = add(households["B"].household_no)  # another county's: as if it did not exist
    assert unknown.status_code == 200 and "户编号不存在" in unknown.content.decode()
    refused = add(households["A1b"].household_no).content.decode()  # not at the project's place
    assert "不在项目地点" in refused
    assert "2 decimal places" in add(households["A1a"].household_no, "1.001").content.decode()
    assert not project.benefits.exists()
    assert add(households["A1a"].household_no).status_code == 302
    benefit = project.benefits.get()
    assert (benefit.household, benefit.amount_fen) == (households["A1a"], 50050)
    assert AuditEntry.objects.filter(action="funds.beneficiary.add").count() == 1
    page = client.get(reverse("household", args=[households["A1a"].household_no]))
    assert "长河村产业园" in page.content.decode()


def test_a_budget_in_wan_and_an_allocation_in_yuan_are_entered_exactly(places, personas, client):
    client.force_login(personas["county_admin"])
    budget_url = f"{reverse('funds:budget_create')}?region={COUNTY_A}"
    response = client.post(
        budget_url,
        {"level": "county", "budget_year": "2018", "amount": "8377.500001", "unit": "wan"},
    )
    assert response.status_code == 302
    assert Budget.objects.get().amount_fen == 8_377_500_001
    response = client.post(
        f"{reverse('funds:allocation_create')}?region={COUNTY_A}",
        {
            "level": "county",
            "budget_year": "2018",
            "year": "2018",
            "batch": "1",
            "category": "特困户帮扶基金",
            "amount": "8,800,000.00",
            "unit": "yuan",
        },
    )
    assert response.status_code == 302
    assert Allocation.objects.get().amount_fen == 880_000_000


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-5", "金额须大于零"),
        ("0", "金额须大于零"),
        ("1" + "0" * 22, "金额过大"),
        ("abc", "不是数字"),
    ],
)
def test_a_budget_amount_out_of_range_is_refused_in_the_unit_typed_and_kept(
    places, personas, client, amount, message
):
    client.force_login(personas["county_admin"])
    page = client.post(
        f"{reverse('funds:budget_create')}?region={COUNTY_A}",
        {"level": "county", "budget_year": "2018", "amount": amount, "unit": "wan"},
    )
    assert page.status_code == 200
    errors = str(page.context["form"].errors["amount"])
    assert message in errors and "5000000" not in errors
    assert f'value="{amount}"' in page.content.decode()
    assert not Budget.objects.exists()


def test_an_over_allocation_on_the_page_is_refused_with_the_remainder_and_nothing_written(
    anyue_2018, personas, client
):
    client.force_login(personas["county_admin"])
    before = Allocation.objects.count()
    page = client.post(
        f"{reverse('funds:allocation_create')}?region={COUNTY_A}",
        {
            "level": "county",
            "budget_year": "2018",
            "year": "2018",
            "batch": "2",
            "category": "第二批",
            "amount": "3141.644301",
            "unit": "wan",
        },
    )
    html = page.content.decode()
    assert page.status_code == 200 and "余额不足" in html and "31416443.00" in html
    assert Allocation.objects.count() == before


def test_the_ledger_forms_are_the_county_offices(places, personas, client):
    client.force_login(personas["county_admin"])
    township = reverse("funds:budget_create") + f"?region={places['A1'].code}"
    assert client.get(township).status_code == 404  # a county holds the budgets
    client.force_login(personas["township_officer"])
    assert client.get(reverse("funds:allocation_create")).status_code == 403
