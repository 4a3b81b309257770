"""Model → response dicts, applying what the caller's role may see (core.privacy)."""

from __future__ import annotations

import datetime as dt

from jingzhun.assessments import selectors as assessments
from jingzhun.core import privacy
from jingzhun.core.money import fen_to_yuan_str
from jingzhun.registry import selectors


def region_ref(region) -> dict:
    return {"code": region.code, "name": region.name, "level": region.level}


def region(user, region) -> dict:
    return {
        **region_ref(region),
        "parent": region.parent_id,
        "rural_population": region.rural_population,
        "poor_village": region.poor_village,
        "exit_year": region.exit_year,
        "collective_income": fen_to_yuan_str(region.collective_income_fen),
        "facilities": {
            name: getattr(region, name)
            for name in (
                "hardened_road",
                "clinic",
                "culture_room",
                "network",
                "central_school",
                "health_center",
                "service_center",
            )
        },
        "breadcrumbs": [
            region_ref(r) for r in selectors.region_breadcrumbs(user=user, region=region)[:-1]
        ],
        "children": [
            {
                **region_ref(row["region"]),
                "households": row["households"],
                "poor_households": row["poor_households"],
                "persons": row["persons"],
            }
            for row in selectors.region_children(user=user, region=region)
        ],
    }


def household_row(household) -> dict:
    return {
        "household_no": household.household_no,
        "village": region_ref(household.village),
        "group": household.group,
        "attribute": household.attribute,
        "main_cause": household.main_cause,
        "status": household.status,
        "registered_year": household.registered_year,
        "exit_year": household.exit_year,
        "persons": household.persons,
        "head_name": household.head_name,
    }


def _age(birth: dt.date, today: dt.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def member(user, m, *, today: dt.date | None = None) -> dict:
    today = today or dt.date.today()
    whole = privacy.sees_id_numbers(user)
    return {
        "id": m.pk,
        "id_number": privacy.shown_id_number(user, m.id_number),
        "id_warning": m.id_warning if whole else "",
        "name": m.name,
        "relation": m.relation,
        "sex": m.sex,
        # The birth date is the middle of the ID number: masked together with it.
        "birth_date": m.birth_date if whole else None,
        "age": _age(m.birth_date, today),
        "ethnicity": m.ethnicity,
        "education": m.education,
        "student": m.student,
        "dropout": m.dropout,
        "health": m.health,
        "disability_grade": m.disability_grade,
        "labour": m.labour,
        "migrant_months": m.migrant_months,
        "medical_insurance": m.medical_insurance,
        "pension_insurance": m.pension_insurance,
        "version": m.version,
    }


def income(row: dict) -> dict:
    i = row["income"]
    return {
        "year": i.year,
        "wage": fen_to_yuan_str(i.wage_fen),
        "production": fen_to_yuan_str(i.production_fen),
        "property": fen_to_yuan_str(i.property_fen),
        "transfer": fen_to_yuan_str(i.transfer_fen),
        "production_cost": fen_to_yuan_str(i.production_cost_fen),
        "medical_expense": fen_to_yuan_str(i.medical_expense_fen),
        "education_expense": fen_to_yuan_str(i.education_expense_fen),
        "net": fen_to_yuan_str(row["net_fen"]),
        "per_capita": None if row["per_capita"] is None else str(row["per_capita"]),
        "version": i.version,
    }


def audit_entry(user, entry, *, full: bool = False) -> dict:
    data = {
        "seq": entry.seq,
        "at": entry.at,
        "actor": entry.actor,
        "source": entry.source,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "before": privacy.shown_values(user, entry.before),
        "after": privacy.shown_values(user, entry.after),
    }
    if full:
        data.update(
            household_no=entry.household_no,
            region_code=entry.region_code,
            prev_hash=entry.prev_hash,
            hash=entry.hash,
        )
    return data


def household(user, h) -> dict:
    return {
        "household_no": h.household_no,
        "village": region_ref(h.village),
        "group": h.group,
        "attribute": h.attribute,
        "main_cause": h.main_cause,
        "other_causes": h.other_cause_list,
        "status": h.status,
        "registered_year": h.registered_year,
        "exit_year": h.exit_year,
        "phone": privacy.shown_phone(user, h.phone),
        "version": h.version,
        "conditions": {
            "food_clothing_secure": h.food_clothing_secure,
            "housing_safe": h.housing_safe,
            "water_safe": h.water_safe,
            "electricity": h.electricity,
            "radio_tv": h.radio_tv,
            "relocated": h.relocated,
        },
        "members": [member(user, m) for m in selectors.household_members(household=h)],
        "incomes": [income(row) for row in selectors.household_incomes(household=h)],
        "assessments": [assessment(p) for p in assessments.household_panels(household=h)],
        "history": [audit_entry(user, e) for e in selectors.household_history(household=h)[:200]],
    }


def assessment(panel: dict) -> dict:
    """One year's verdict under the pack applied, criterion by criterion (缺什么补什么)."""
    result = panel["result"]
    return {
        "policy": panel["pack"].id,
        "year": panel["year"],
        "passed": result.passed,
        "criteria": [
            {
                "key": c.key,
                "label": c.label,
                "passed": c.passed,
                "value": c.value,
                "threshold": c.threshold,
            }
            for c in result.criteria
        ],
    }
