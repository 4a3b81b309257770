"""Every page: login required; in scope 200, out of scope 404; writes for writers only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from jingzhun.web.urls import urlpatterns

from .conftest import HOUSEHOLD, REGION

pytestmark = pytest.mark.django_db

# What each persona may see (regions by key, households by village key).
SEES_REGIONS = {
    "county_admin": {"A", "A1", "A1a", "A1b"},
    "township_officer": {"A1", "A1a", "A1b"},
    "village_officer": {"A1a"},
    "cadre": {"A1", "A1a", "A1b"},
    "auditor": {"A", "A1", "A1a", "A1b"},
    "outsider": {"B"},
}
SEES_HOUSEHOLDS = {
    "county_admin": {"A1a", "A1b"},
    "township_officer": {"A1a", "A1b"},
    "village_officer": {"A1a"},
    "cadre": {"A1a"},  # only the paired household
    "auditor": {"A1a", "A1b"},
    "outsider": {"B"},
}
WRITERS = {"county_admin", "township_officer", "village_officer", "outsider"}


def _sample_kwargs(pattern, member_id: int) -> dict:
    names = pattern.pattern.converters.keys()
    values = {"code": REGION["A1a"], "household_no": HOUSEHOLD["A1a"], "member_id": member_id}
    return {name: values[name] for name in names}


def test_every_page_but_login_sends_the_anonymous_to_the_login_page(client, households):
    member = households["A1a"].members.first()
    for pattern in urlpatterns:
        if pattern.name in ("login", "logout"):
            continue
        url = reverse(pattern.name, kwargs=_sample_kwargs(pattern, member.pk))
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def test_the_home_page_opens_the_users_own_region(as_user, personas):
    for name in ("county_admin", "village_officer", "outsider"):
        response = as_user(name).get(reverse("home"))
        assert response.status_code == 302
        assert response["Location"] == reverse("region", args=[personas[name].region_id])


@pytest.mark.parametrize("persona", sorted(SEES_REGIONS))
def test_region_pages_answer_in_scope_and_404_out_of_scope(as_user, persona):
    client = as_user(persona)
    for key, code in REGION.items():
        response = client.get(reverse("region", args=[code]))
        expected = 200 if key in SEES_REGIONS[persona] else 404
        assert response.status_code == expected, (persona, key)


@pytest.mark.parametrize("persona", sorted(SEES_HOUSEHOLDS))
def test_household_pages_answer_in_scope_and_404_out_of_scope(as_user, persona):
    client = as_user(persona)
    for key, no in HOUSEHOLD.items():
        response = client.get(reverse("household", args=[no]))
        expected = 200 if key in SEES_HOUSEHOLDS[persona] else 404
        assert response.status_code == expected, (persona, key)


def test_a_missing_household_is_404_like_an_out_of_scope_one(as_user):
    response = as_user("county_admin").get(reverse("household", args=["NO-SUCH"]))
    assert response.status_code == 404


@pytest.mark.parametrize("persona", sorted(SEES_HOUSEHOLDS))
def test_edit_pages_are_for_writers_in_scope_only(as_user, households, persona):
    client = as_user(persona)
    for key, no in HOUSEHOLD.items():
        member = households[key].members.first()
        urls = [
            reverse("household_edit", args=[no]),
            reverse("member_add", args=[no]),
            reverse("member_edit", args=[no, member.pk]),
            reverse("income_set", args=[no]),
            reverse("household_register", args=[REGION[key]]),
        ]
        for url in urls:
            response = client.get(url)
            if persona not in WRITERS:
                expected = 403
            elif url.startswith("/regions/"):
                expected = 200 if key in SEES_REGIONS[persona] else 404
            else:
                expected = 200 if key in SEES_HOUSEHOLDS[persona] else 404
            assert response.status_code == expected, (persona, url)


def test_a_member_of_another_household_is_404_under_this_one(as_user, households):
    other = households["A1b"].members.first()
    url = reverse("member_edit", args=[HOUSEHOLD["A1a"], other.pk])
    assert as_user("county_admin").get(url).status_code == 404


def test_registering_is_only_possible_on_a_village(as_user):
    url = reverse("household_register", args=[REGION["A1"]])
    assert as_user("county_admin").get(url).status_code == 404


@pytest.mark.parametrize("persona", ["cadre", "auditor", "department"])
def test_read_only_roles_see_no_edit_buttons_and_cannot_post(as_user, households, persona):
    client = as_user(persona)
    household = households["A1a"]
    page = client.get(reverse("household", args=[household.household_no]))
    if page.status_code == 200:
        assert reverse("household_edit", args=[household.household_no]) not in page.text
    response = client.post(
        reverse("household_edit", args=[household.household_no]),
        {
            "attribute": "dibao",
            "main_cause": "illness",
            "status": "poor",
            "registered_year": 2014,
            "version": household.version,
        },
    )
    assert response.status_code == 403
    household.refresh_from_db()
    assert household.attribute == "general"


def test_writers_see_edit_buttons(as_user, households):
    page = as_user("village_officer").get(reverse("household", args=[HOUSEHOLD["A1a"]]))
    assert reverse("household_edit", args=[HOUSEHOLD["A1a"]]) in page.text
    village = as_user("village_officer").get(reverse("region", args=[REGION["A1a"]]))
    assert reverse("household_register", args=[REGION["A1a"]]) in village.text


def test_the_department_role_sees_regions_but_no_households(as_user):
    client = as_user("department")
    page = client.get(reverse("region", args=[REGION["A1a"]]))
    assert page.status_code == 200
    assert HOUSEHOLD["A1a"] not in page.text
    assert client.get(reverse("household", args=[HOUSEHOLD["A1a"]])).status_code == 404
