"""Independent counts: plain Python over every object, none of the selectors' queries."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from jingzhun.assistance.models import FirstSecretary, Measure, Pairing, Plan, WorkTeam
from jingzhun.regions.models import Region
from jingzhun.registry.models import Household, Member


def _registered(h, year):
    return h.registered_year <= year and h.status != "removed"


def _poor(h, year):
    return _registered(h, year) and (
        h.status == "returned"
        or (h.status == "poor" and h.exit_year is None)
        or (h.exit_year is not None and h.exit_year > year)
    )


def _current(record, day):
    return record.start <= day and (record.end is None or record.end >= day)


def figures(prefix: str, year: int, day: dt.date) -> dict:
    households = [h for h in Household.objects.all() if h.village_id.startswith(prefix)]
    members = {}
    for m in Member.objects.all():
        members.setdefault(m.household_id, []).append(m)
    reg = [h for h in households if _registered(h, year)]
    poor = [h for h in reg if _poor(h, year)]
    persons = [m for h in reg for m in members.get(h.pk, [])]
    villages = [v for v in Region.objects.filter(level="village") if v.code.startswith(prefix)]
    out = {
        "households": len(reg),
        "persons": len(persons),
        "poor_households": len(poor),
        "poor_persons": sum(len(members.get(h.pk, [])) for h in poor),
        "rural_population": sum(v.rural_population or 0 for v in villages),
        "by_cause": Counter(h.main_cause for h in reg),
        "by_attribute": Counter(h.attribute for h in reg),
        "households_by_status": Counter(h.status for h in reg),
        "persons_by_status": Counter(h.status for h in reg for _ in members.get(h.pk, [])),
        "persons_by_cause": Counter(h.main_cause for h in reg for _ in members.get(h.pk, [])),
        "persons_by_attribute": Counter(h.attribute for h in reg for _ in members.get(h.pk, [])),
        "identified": {
            "households": sum(1 for h in reg if h.registered_year == year),
            "persons": sum(len(members.get(h.pk, [])) for h in reg if h.registered_year == year),
        },
        "returned": {
            "households": sum(1 for h in reg if h.status == "returned"),
            "persons": sum(len(members.get(h.pk, [])) for h in reg if h.status == "returned"),
        },
        "students_by_level": Counter(m.student for m in persons if m.student != "none"),
        "education": {
            "students": sum(1 for m in persons if m.student != "none"),
            "dropouts": sum(1 for m in persons if m.dropout),
        },
    }
    exited = [h for h in households if h.status == "exited" and h.exit_year == year]
    poor_villages = [v for v in villages if v.poor_village != "none"]
    out["exited"] = {
        "households": len(exited),
        "persons": sum(len(members.get(h.pk, [])) for h in exited),
        "villages": sum(1 for v in poor_villages if v.exit_year == year),
    }
    out["poor_villages"] = {
        "total": len(poor_villages),
        "exited": sum(1 for v in poor_villages if v.exit_year is not None and v.exit_year <= year),
    }
    now_poor = [h for h in households if h.status in ("poor", "returned")]
    pairings = list(Pairing.objects.all())
    plans = {p.household_id for p in Plan.objects.all()}
    industry = {
        m.plan.household_id
        for m in Measure.objects.select_related("plan")
        if m.kind == "industry" and m.status != "cancelled"
    }
    open_villages = [v for v in poor_villages if v.exit_year is None or v.exit_year > day.year]
    teams = [t for t in WorkTeam.objects.all() if _current(t, day)]
    secretaries = [s for s in FirstSecretary.objects.all() if _current(s, day)]
    out["coverage"] = {
        "poor_households": len(now_poor),
        "with_cadre": sum(
            1
            for h in now_poor
            if any(p.household_id == h.pk and _current(p, day) for p in pairings)
        ),
        "with_plan": sum(1 for h in now_poor if h.pk in plans),
        "with_industry": sum(1 for h in now_poor if h.pk in industry),
        "poor_villages": len(open_villages),
        "with_team": sum(1 for v in open_villages if any(t.village_id == v.code for t in teams)),
        "with_secretary": sum(
            1 for v in open_villages if any(s.village_id == v.code for s in secretaries)
        ),
    }
    return out


def same(actual: dict, expected: dict) -> list[str]:
    """The differences, figure by figure (zero counters equal missing keys)."""
    problems = []
    for key, want in expected.items():
        got = actual[key]
        if isinstance(want, dict):
            got_nonzero = {k: v for k, v in got.items() if v}
            want_nonzero = {k: v for k, v in want.items() if v}
            if got_nonzero != want_nonzero:
                problems.append(f"{key}: {got_nonzero} != {want_nonzero}")
        elif got != want:
            problems.append(f"{key}: {got} != {want}")
    return problems
