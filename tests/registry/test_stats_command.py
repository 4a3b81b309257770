import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from jingzhun.registry.models import Household, Member

pytestmark = pytest.mark.django_db


def test_stats_prints_the_roll_up_that_an_independent_count_gives(households):
    out = io.StringIO()
    call_command("stats", "--region", "512021", "--year", "2018", stdout=out)
    data = json.loads(out.getvalue())
    in_county = Household.objects.filter(village__code__startswith="512021")
    assert data["region_code"] == "512021000000"
    assert data["households"] == in_county.count()
    assert data["persons"] == Member.objects.filter(household__in=in_county).count()
    assert data["poor_households"] == in_county.filter(status="poor").count()
    assert [c["region_code"] for c in data["children"]] == ["512021001000"]
    # 4 poor persons over the villages' 2 × 1000 rural population.
    assert data["incidence"] == "0.20"


def test_stats_of_an_unknown_region_is_a_usage_error(places):
    with pytest.raises(CommandError) as caught:
        call_command("stats", "--region", "999999", "--year", "2018", stdout=io.StringIO())
    assert caught.value.returncode == 2
