import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from jingzhun.assistance import services
from jingzhun.assistance.models import Cadre, Visit
from jingzhun.audit.models import AuditEntry
from jingzhun.web.presenters import history_rows

pytestmark = pytest.mark.django_db


def _client(client, user):
    client.force_login(user)
    return client


def _sheet(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


def test_a_cadre_sees_their_own_household_and_page(client, personas, cadre, households):
    c = _client(client, personas["cadre"])
    assert (
        c.get(reverse("assistance:household", args=[households["A1a"].household_no])).status_code
        == 200
    )
    page = c.get(reverse("assistance:cadre_detail", args=[cadre.pk]))
    assert page.status_code == 200
    assert households["A1a"].household_no in page.content.decode()
    assert c.get(reverse("assistance:me")).url == reverse(
        "assistance:cadre_detail", args=[cadre.pk]
    )


def test_a_cadre_cannot_see_another_cadres_household_or_page(
    client, personas, cadre, other_cadre, households, make_household
):
    theirs = make_household("A1b")
    services.pairing_create(
        by=personas["county_admin"], cadre=other_cadre, household=theirs, start=dt.date(2019, 1, 1)
    )
    c = _client(client, personas["cadre"])
    assert c.get(reverse("assistance:household", args=[theirs.household_no])).status_code == 404
    assert c.get(reverse("assistance:cadre_detail", args=[other_cadre.pk])).status_code == 404
    # The same answer as for a household that does not exist.
    assert c.get(reverse("assistance:household", args=["NOPE"])).status_code == 404
    # Writing to it is refused the same way, and nothing is written.
    response = c.post(
        reverse("assistance:visit_create", args=[theirs.household_no]),
        {"date": "2019-06-01", "found": "x"},
    )
    assert response.status_code == 404 and not Visit.objects.exists()
    # And the steering pages are not for cadres.
    assert c.get(reverse("assistance:coverage_home")).status_code == 403
    other = _client(client, other_cadre.user)
    assert (
        other.get(
            reverse("assistance:household", args=[households["A1a"].household_no])
        ).status_code
        == 404
    )


def test_a_cadre_gets_404_from_the_register_page_and_the_api_for_another_cadres_household(
    client, personas, cadre, other_cadre, households, make_household
):
    theirs = make_household("A1b")
    services.pairing_create(
        by=personas["county_admin"], cadre=other_cadre, household=theirs, start=dt.date(2019, 1, 1)
    )
    c = _client(client, personas["cadre"])
    for no in (theirs.household_no, "5120210010029999"):  # another cadre's, and none at all
        assert c.get(reverse("household", args=[no])).status_code == 404
        api = c.get(f"/api/v1/households/{no}")
        assert api.status_code == 404
    mine = households["A1a"].household_no
    assert c.get(reverse("household", args=[mine])).status_code == 200
    assert c.get(f"/api/v1/households/{mine}").status_code == 200
    listed = c.get("/api/v1/households", {"region": "512021001000"}).json()
    assert theirs.household_no not in str(listed) and mine in str(listed)


def test_an_outsider_gets_404_for_another_countys_pages(client, personas, places, households):
    c = _client(client, personas["outsider"])
    assert c.get(reverse("assistance:coverage", args=[places["A"].code])).status_code == 404
    assert (
        c.get(reverse("assistance:household", args=[households["A1a"].household_no])).status_code
        == 404
    )


def test_a_cadre_logs_a_visit_from_the_phone_page_and_it_is_audited(
    client, personas, cadre, households
):
    c = _client(client, personas["cadre"])
    no = households["A1a"].household_no
    response = c.post(
        reverse("assistance:visit_create", args=[no]),
        {"date": dt.date.today().isoformat(), "found": "家中老人腿疼", "done": "联系村医上门"},
    )
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert visit.cadre == cadre and visit.found == "家中老人腿疼"
    entry = AuditEntry.objects.get(action="visit.record")
    assert entry.household_no == no and entry.actor == "cadre"


def test_a_second_cadre_is_refused_on_the_pairing_page_with_a_clear_message(
    client, personas, other_cadre, households
):
    c = _client(client, personas["township_officer"])
    response = c.post(
        reverse("assistance:pairing_create"),
        {
            "cadre": other_cadre.pk,
            "household_no": households["A1a"].household_no,
            "start": "2019-03-01",
        },
    )
    assert response.status_code == 200
    assert "只能有一名帮扶责任人" in response.content.decode()


def test_a_cadre_may_not_pair_households(client, personas, cadre, households):
    c = _client(client, personas["cadre"])
    assert c.get(reverse("assistance:pairing_create")).status_code == 403


def test_the_coverage_page_lists_gaps_and_exports_them(client, personas, places, households):
    c = _client(client, personas["county_admin"])
    url = reverse("assistance:coverage", args=[places["A"].code])
    page = c.get(url)
    assert page.status_code == 200
    assert households["A1b"].household_no in page.content.decode()
    rows = _sheet(c.get(url, {"format": "xlsx", "list": "households"}))
    assert rows[0] == ["户编号", "村代码", "村", "状态"]
    assert rows[1][0] == households["A1b"].household_no
    rows = _sheet(c.get(url, {"format": "xlsx", "list": "villages"}))
    assert rows[0] == ["村代码", "村", "贫困村级别", "有驻村工作队", "有第一书记"]


def test_every_list_exports_xlsx_with_chinese_headers(client, personas, places, cadre):
    admin = personas["county_admin"]
    services.target_set(by=admin, region=places["A"], year=2019, persons=4106)
    services.inspection_create(
        by=admin,
        region=places["A1"],
        date=dt.date(2019, 5, 1),
        inspectors="第一组",
        today=dt.date.today(),
    )
    c = _client(client, admin)
    region = {"region": places["A"].code, "format": "xlsx"}
    expected = {
        reverse("assistance:cadres"): "姓名",
        reverse("assistance:pairings"): "户编号",
        reverse("assistance:teams"): "村代码",
        reverse("assistance:secretaries"): "村代码",
        reverse("assistance:visits"): "走访日期",
        reverse("assistance:targets"): "年度",
        reverse("assistance:target", args=[places["A"].code, 2019]): "排名",
        reverse("assistance:inspections"): "督查日期",
        reverse("assistance:findings"): "督查日期",
        reverse("assistance:grades", args=[places["A"].code, 2019]): "村代码",
    }
    for url, first_header in expected.items():
        rows = _sheet(c.get(url, region))
        assert rows[0][0] == first_header, url
    cadre_rows = _sheet(
        _client(client, personas["cadre"]).get(
            reverse("assistance:cadre_detail", args=[cadre.pk]), {"format": "xlsx"}
        )
    )
    assert cadre_rows[0] == ["户编号", "村", "状态", "结对开始", "最近走访", "走访逾期"]


def test_the_steering_pages_render(client, personas, places):
    admin = personas["county_admin"]
    services.target_set(by=admin, region=places["A"], year=2019, persons=4106)
    c = _client(client, admin)
    for url in [
        reverse("assistance:index"),
        reverse("assistance:cadres"),
        reverse("assistance:pairings"),
        reverse("assistance:teams"),
        reverse("assistance:secretaries"),
        reverse("assistance:targets"),
        reverse("assistance:target", args=[places["A"].code, 2019]),
        reverse("assistance:inspections"),
        reverse("assistance:findings") + "?overdue=1",
        reverse("assistance:grades", args=[places["A"].code, 2019]),
        reverse("assistance:team_create"),
        reverse("assistance:secretary_create"),
        reverse("assistance:cadre_create"),
    ]:
        assert c.get(url).status_code == 200, url


def test_the_split_page_refuses_shares_that_do_not_add_up(client, personas, places):
    admin = personas["county_admin"]
    services.target_set(by=admin, region=places["A"], year=2019, persons=4106, households=10)
    c = _client(client, admin)
    url = reverse("assistance:target", args=[places["A"].code, 2019])
    code = places["A1"].code
    response = c.post(
        url, {f"{code}-persons": "4000", f"{code}-households": "10", f"{code}-villages": "0"}
    )
    assert response.status_code == 200 and "不符" in response.content.decode()
    response = c.post(
        url, {f"{code}-persons": "4106", f"{code}-households": "10", f"{code}-villages": "0"}
    )
    assert response.status_code == 302


def test_a_visit_photo_is_served_only_inside_the_scope(
    client, personas, cadre, other_cadre, households, tmp_path, settings
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = str(tmp_path)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    today = dt.date.today()
    visit = services.visit_record(
        by=personas["cadre"],
        household=households["A1a"],
        cadre=cadre,
        date=today,
        found="x",
        today=today,
        photo=SimpleUploadedFile("p.png", png),
    )
    assert str(tmp_path) in visit.photo.path
    url = reverse("assistance:visit_photo", args=[visit.pk])
    response = _client(client, personas["cadre"]).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == png
    assert _client(client, other_cadre.user).get(url).status_code == 404


def test_the_cadre_list_export_masks_phones_for_roles_that_do_not_see_them(
    client, personas, places, cadre
):
    cadre.phone = "13812345678"
    cadre.save(update_fields=["phone"])
    url = reverse("assistance:cadres")
    region = {"region": places["A"].code, "format": "xlsx"}

    def phones(user):
        rows = _sheet(_client(client, user).get(url, region))
        column = rows[0].index("联系电话")
        return {row[column] for row in rows[1:]}

    assert "13812345678" in phones(personas["county_admin"])
    shown = phones(personas["auditor"])
    assert "138****5678" in shown and "13812345678" not in shown


def test_an_empty_visit_is_refused_beside_its_fields_with_what_was_typed_kept(
    client, personas, cadre, households
):
    c = _client(client, personas["cadre"])
    no = households["A1a"].household_no
    response = c.post(
        reverse("assistance:visit_create", args=[no]), {"date": "", "found": "家中无人"}
    )
    assert response.status_code == 200
    form = response.context["visit_form"]
    assert list(form.errors) == ["date"]
    page = response.content.decode()
    assert "家中无人" in page
    assert 'id="id_date_error"' in page
    assert not Visit.objects.exists()


def test_a_pairing_reads_in_the_households_history_by_its_names_not_its_keys(
    client, personas, other_cadre, households
):
    household = households["A1b"]
    services.pairing_create(
        by=personas["township_officer"],
        cadre=other_cadre,
        household=household,
        start=dt.date(2019, 3, 1),
        note="县教育局结对",
    )
    c = _client(client, personas["county_admin"])
    html = c.get(reverse("household", args=[household.household_no])).content.decode()
    assert "结对帮扶" in html and "帮扶责任人" in html and "开始日期" in html
    assert "pairing.create" not in html and "cadre_id" not in html
    entry = AuditEntry.objects.get(action="pairing.create")
    with CaptureQueriesContext(connection) as queries:
        first, again = history_rows(None, [entry, entry], [])
    assert len(queries) == 2  # the cadre and the household, once each for both entries
    new = {change.label: change.new for change in first.changes}
    assert new["帮扶责任人"] == "钱帮扶（县教育局）" and new["户"] == household.household_no
    assert again.changes == first.changes


def test_a_cadre_with_letters_for_a_phone_is_refused_beside_the_field(client, personas, places):
    c = _client(client, personas["county_admin"])
    response = c.post(
        reverse("assistance:cadre_create"),
        {"name": "孙帮扶", "unit": "县农业局", "phone": "abc", "region": places["A1"].pk},
    )
    assert response.status_code == 200
    assert "联系电话" in str(response.context["form"].errors["phone"])
    assert not Cadre.objects.filter(name="孙帮扶").exists()
