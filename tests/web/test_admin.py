"""The admin: reference data editable, the registry read-only, every list scoped, the audit
trail strictly read-only and masked."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from jingzhun.audit.models import AuditEntry
from jingzhun.registry import services

from .conftest import HOUSEHOLD

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(personas):
    """The outsider (county B) and the auditor (county A), made staff with view rights."""
    perms = Permission.objects.filter(codename__startswith="view_")
    for name in ("outsider", "auditor"):
        user = personas[name]
        user.is_staff = True
        user.save()
        user.user_permissions.set(perms)
    return personas


def test_admin_household_lists_are_scoped(client, staff):
    client.force_login(staff["outsider"])
    page = client.get(reverse("admin:registry_household_changelist"))
    assert page.status_code == 200
    assert HOUSEHOLD["B"] in page.text
    assert HOUSEHOLD["A1a"] not in page.text


def test_admin_out_of_scope_objects_are_not_found(client, staff, households):
    client.force_login(staff["outsider"])
    url = reverse("admin:registry_household_change", args=[households["A1a"].pk])
    response = client.get(url, follow=True)
    assert HOUSEHOLD["A1a"] not in response.text


def test_admin_member_ids_are_masked_for_the_auditor(client, staff, households):
    head = households["A1a"].members.get(relation="head")
    client.force_login(staff["auditor"])
    listing = client.get(reverse("admin:registry_member_changelist"))
    assert head.id_number not in listing.text
    assert head.id_number[:6] + "********" + head.id_number[-4:] in listing.text
    detail = client.get(reverse("admin:registry_member_change", args=[head.pk]))
    assert detail.status_code == 200
    assert head.id_number not in detail.text


def test_the_registry_cannot_be_changed_in_the_admin_even_by_a_superuser(admin_client, households):
    household = households["A1a"]
    assert admin_client.get(reverse("admin:registry_household_add")).status_code == 403
    url = reverse("admin:registry_household_change", args=[household.pk])
    page = admin_client.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.text
    admin_client.post(url, {"attribute": "dibao"})
    household.refresh_from_db()
    assert household.attribute == "general"


def test_the_audit_admin_is_strictly_read_only(admin_client, personas, households):
    services.household_update(
        by=personas["county_admin"],
        household=households["A1a"],
        expected_version=1,
        attribute="dibao",
    )
    entry = AuditEntry.objects.order_by("-seq").first()
    assert admin_client.get(reverse("admin:audit_auditentry_add")).status_code == 403
    change = reverse("admin:audit_auditentry_change", args=[entry.pk])
    page = admin_client.get(change)
    assert page.status_code == 200 and 'name="_save"' not in page.text
    delete = reverse("admin:audit_auditentry_delete", args=[entry.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
    listing = admin_client.get(reverse("admin:audit_auditentry_changelist"))
    assert 'name="action"' not in listing.text  # no bulk actions, not even delete


def test_the_audit_admin_is_scoped_and_masked_for_the_auditor(client, staff, households):
    services.member_add(
        by=staff["county_admin"],
        household=households["A1a"],
        data={"id_number": "11010519491231002X", "name": "新成员", "relation": "parent"},
    )
    services.household_update(
        by=staff["outsider"], household=households["B"], expected_version=1, attribute="dibao"
    )
    client.force_login(staff["auditor"])
    listing = client.get(reverse("admin:audit_auditentry_changelist"))
    assert listing.status_code == 200
    assert HOUSEHOLD["B"] not in listing.text
    entry = AuditEntry.objects.get(action="member.add")
    detail = client.get(reverse("admin:audit_auditentry_change", args=[entry.pk]))
    assert "11010519491231002X" not in detail.text
    assert "110105********002X" in detail.text


def test_the_audit_admin_is_closed_to_roles_that_do_not_read_it(client, staff):
    client.force_login(staff["outsider"])  # a county admin reads audit; make it a cadre
    staff["outsider"].role = "village_officer"
    staff["outsider"].save()
    response = client.get(reverse("admin:audit_auditentry_changelist"))
    assert response.status_code == 403


def test_admin_user_lists_are_scoped(client, staff):
    client.force_login(staff["outsider"])
    page = client.get(reverse("admin:accounts_user_changelist"))
    assert page.status_code == 200
    shown = {u.username for u in page.context["cl"].result_list}
    assert shown == {"outsider"}


def test_editing_a_region_in_the_admin_is_audited(admin_client, places):
    region = places["A1a"]
    url = reverse("admin:regions_region_change", args=[region.code])
    data = {
        "name": "长河新村",
        "level": "village",
        "parent": region.parent_id,
        "poor_village": "province",
        "rural_population": "1200",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    region.refresh_from_db()
    assert region.name == "长河新村"
    entry = AuditEntry.objects.get(action="region.update")
    assert entry.before["name"] == "长河村" and entry.after["name"] == "长河新村"
