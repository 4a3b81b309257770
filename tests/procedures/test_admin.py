"""The admin shows cases read-only and scoped: no path there moves a case."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from jingzhun.procedures import services

pytestmark = pytest.mark.django_db


def test_a_case_cannot_be_added_changed_or_deleted_in_the_admin_even_by_a_superuser(
    admin_client, personas, exitable
):
    case = services.case_open(
        by=personas["village_officer"], kind="exit", household=exitable, year=2018
    )
    assert admin_client.get(reverse("admin:procedures_case_add")).status_code == 403
    url = reverse("admin:procedures_case_change", args=[case.pk])
    page = admin_client.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.text
    admin_client.post(url, {"step": "county_approval", "status": "decided"})
    case.refresh_from_db()
    assert (case.step, case.status) == ("proposal", "open")
    delete = reverse("admin:procedures_case_delete", args=[case.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403


def test_admin_case_lists_are_scoped(client, personas, exitable):
    case = services.case_open(
        by=personas["village_officer"], kind="exit", household=exitable, year=2018
    )
    outsider = personas["outsider"]
    outsider.is_staff = True
    outsider.save()
    outsider.user_permissions.set(Permission.objects.filter(codename="view_case"))
    client.force_login(outsider)
    page = client.get(reverse("admin:procedures_case_changelist"))
    assert page.status_code == 200 and case.reference not in page.text
