from decimal import Decimal

import pytest

from jingzhun.core.money import wan_to_fen
from jingzhun.funds.standards import StandardError, available, load, road_subsidy


def test_seed_003_road_standards_ship_as_data():
    assert "anyue-2018-roads" in available()
    standard = load("anyue-2018-roads")
    assert standard.region_code == "512021000000" and standard.year == 2018
    assert "一事一议" in standard.remainder


@pytest.mark.parametrize(
    ("width", "road_class", "transport_wan", "poverty_wan"),
    [
        ("3.5", "village", "15", "25"),
        ("4.5", "village", "45", "30"),
        ("3.5", "group", "15", "10"),
        ("4.5", "group", "45", "10"),
    ],
)
def test_rates_per_km_by_width_and_class(width, road_class, transport_wan, poverty_wan):
    result = road_subsidy(length_km="1", width_m=width, road_class=road_class)
    assert [(s.payer_label, s.amount_fen) for s in result.shares] == [
        ("县交通局", wan_to_fen(transport_wan)),
        ("县扶贫专项", wan_to_fen(poverty_wan)),
    ]
    assert result.subsidy_fen == wan_to_fen(transport_wan) + wan_to_fen(poverty_wan)
    assert result.village_share_fen is None  # unknown without a cost


def test_the_village_raises_the_difference():
    # 5.5 km of 3.5 m road to a village (自治乡金鸡村 finished 5.5 km), costing 250万.
    result = road_subsidy(
        length_km="5.5", width_m="3.5", road_class="village", cost_fen=wan_to_fen("250")
    )
    assert [s.amount_fen for s in result.shares] == [wan_to_fen("82.5"), wan_to_fen("137.5")]
    assert result.subsidy_fen == wan_to_fen("220")
    assert result.village_share_fen == wan_to_fen("30")


def test_a_cap_is_only_up_to_what_the_road_costs():
    # 0.6 km of 4.5 m group road costing 30万: the transport bureau's 27万, then 3万 of the
    # poverty fund's 6万 cap; nothing left for the village.
    result = road_subsidy(
        length_km="0.6", width_m="4.5", road_class="group", cost_fen=wan_to_fen("30")
    )
    assert [s.amount_fen for s in result.shares] == [wan_to_fen("27"), wan_to_fen("3")]
    assert result.village_share_fen == 0


def test_lengths_to_the_metre_are_exact_to_the_fen():
    result = road_subsidy(length_km="97.05", width_m="3.5", road_class="group")
    assert result.length_km == Decimal("97.05")
    assert result.subsidy_fen == wan_to_fen("2426.25")  # 97.05 × 25万


def test_unknown_widths_classes_and_floats_are_refused():
    with pytest.raises(StandardError, match="5.0"):
        road_subsidy(length_km="1", width_m="5.0", road_class="village")
    with pytest.raises(StandardError, match="road class"):
        road_subsidy(length_km="1", width_m="3.5", road_class="highway")
    with pytest.raises(StandardError, match="float"):
        road_subsidy(length_km=1.5, width_m="3.5", road_class="village")
    with pytest.raises(StandardError, match="no such standard"):
        road_subsidy(length_km="1", width_m="3.5", road_class="village", standard_id="nowhere")
