"""A history entry's stored values read as their names, in the page's language."""

from __future__ import annotations

from django.utils import translation

from jingzhun.web.presenters import field_label, show_value


def test_a_risk_events_kind_and_source_read_as_their_names_in_the_pages_language():
    kind = ("kind", "serious_illness", "monitoring.RiskEvent")
    assert field_label("monitoring.RiskEvent", "kind") == "风险类型"
    assert show_value(None, *kind) == "大病"
    assert show_value(None, "source", "cadre", "monitoring.RiskEvent") == "干部走访"
    with translation.override("en"):
        assert show_value(None, *kind) == "serious illness"


def test_a_value_of_a_field_without_choices_or_of_an_unknown_type_is_shown_as_stored():
    assert show_value(None, "note", "县教育局结对", "pairing") == "县教育局结对"
    assert show_value(None, "kind", "anything", "no.SuchModel") == "anything"


def test_a_households_members_are_listed_though_members_is_a_reverse_relation():
    members = [{"name": "周大福", "relation": "head", "id_number": "110105194912310029"}]
    shown = show_value(None, "members", members, "household")
    assert shown.startswith("周大福（户主，")


def test_an_amount_is_labelled_in_the_yuan_it_is_shown_in():
    assert field_label("monitoring.RiskEvent", "amount_fen") == "金额(元)"
    assert show_value(None, "amount_fen", 5_000_000, "monitoring.RiskEvent") == "50000.00 元"
    with translation.override("en"):
        assert field_label("monitoring.RiskEvent", "amount_fen") == "Amount (yuan)"
