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


def test_the_county_page_shows_the_county_standard_criterion_by_criterion(
    county_admin_client, places, households
):
    township = places["A1"]
    township.central_school, township.health_center = True, False
    township.save()
    page = county_admin_client.get(f"/regions/{places['A'].code}/?year=2018").content.decode()
    assert "脱贫标准评估" in page
    assert "cn-sichuan-2018" in page
    assert "每个乡镇有标准中心校" in page and "每个乡镇有达标卫生院" in page
    assert "1/1" in page and "0/1" in page  # one township: with a school, without a centre
    assert "未达到标准" in page
