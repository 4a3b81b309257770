import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404

from jingzhun.core import scoping
from jingzhun.registry.models import Household

pytestmark = pytest.mark.django_db


def visible_numbers(user):
    return set(
        scoping.visible(user, Household.objects.all()).values_list("household_no", flat=True)
    )


def test_a_county_admin_sees_every_household_of_the_county_and_none_outside(personas, households):
    assert visible_numbers(personas["county_admin"]) == {
        households["A1a"].household_no,
        households["A1b"].household_no,
    }


def test_a_village_officer_sees_only_the_village(personas, households):
    assert visible_numbers(personas["village_officer"]) == {households["A1a"].household_no}


def test_a_cadre_sees_only_paired_households(personas, households):
    assert visible_numbers(personas["cadre"]) == {households["A1a"].household_no}


def test_a_department_sees_no_households(personas):
    assert visible_numbers(personas["department"]) == set()


def test_an_out_of_scope_lookup_is_a_404_like_a_missing_one(personas, households):
    with pytest.raises(Http404):
        scoping.get_visible_or_404(
            personas["outsider"], Household.objects.all(), pk=households["A1a"].pk
        )


def test_a_model_without_scope_paths_is_refused():
    from jingzhun.accounts.models import LoginFailure

    with pytest.raises(ImproperlyConfigured):
        scoping.scope_q(None, LoginFailure)
