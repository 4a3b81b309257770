import pytest

from tests.conftest import PASSWORD
from tests.factories import IncomeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def county_admin_client(client, personas):
    client.login(username="county_admin", password=PASSWORD)
    return client


def test_the_household_page_shows_what_the_household_still_lacks(county_admin_client, households):
    household = households["A1a"]
    household.housing_safe = False
    household.save()
    IncomeFactory(household=household, year=2018)  # 7500 yuan net for 2 persons
    page = county_admin_client.get(f"/households/{household.household_no}/").content.decode()
    assert "脱贫标准评估" in page
    assert "cn-sichuan-2018" in page
    assert "3750.00" in page  # per-capita income, the value beside the line
    assert "未达到标准" in page  # housing is unsafe


def test_the_village_page_shows_the_village_standard(county_admin_client, places, households):
    page = county_admin_client.get(f"/regions/{places['A1a'].code}/").content.decode()
    assert "脱贫标准评估" in page
    assert "0.20" in page or "0.2" in page  # 2 poor persons over 1000 rural population


def test_a_township_page_has_no_assessment_panel(county_admin_client, places):
    page = county_admin_client.get(f"/regions/{places['A1'].code}/").content.decode()
    assert "脱贫标准评估" not in page
