"""`jingzhun procedure`: the same services, the same refusals, exit status 1 when refused."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from jingzhun.procedures.models import Case

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("procedure", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_a_case_is_opened_and_stepped_from_the_command_line(personas, exitable, clock):
    reference = run(
        "open", exitable.household_no, "--kind", "exit", "--year", "2018", "--as", "village_officer"
    ).strip()
    run(
        "step",
        reference,
        "meeting",
        "--as",
        "village_officer",
        "--param",
        "attended=20",
        "--param",
        "votes_for=15",
        "--param",
        "votes_against=3",
        "--param",
        "abstained=2",
    )
    case = Case.objects.get(reference=reference)
    assert case.step == "meeting"
    assert case.events.get(step="meeting").params["votes_for"] == 15
    shown = json.loads(run("show", reference, "--format", "json"))
    assert shown["next_step"] == "household_agreement"
    listed = json.loads(run("list", "--region", "512021", "--format", "json"))
    assert [row["reference"] for row in listed] == [reference]


def test_a_step_as_the_wrong_role_exits_1_and_writes_nothing(personas, exitable):
    reference = run(
        "open", exitable.household_no, "--kind", "exit", "--year", "2018", "--as", "village_officer"
    ).strip()
    with pytest.raises(CommandError) as refused:
        run("step", reference, "meeting", "--as", "county_admin", "--param", "attended=1")
    assert refused.value.returncode == 1
    assert Case.objects.get().step == "proposal"


def test_an_unknown_user_is_a_usage_error(personas, exitable):
    with pytest.raises(CommandError) as refused:
        run("open", exitable.household_no, "--kind", "exit", "--year", "2018", "--as", "nobody")
    assert refused.value.returncode == 2


def test_objections_are_recorded_and_resolved_from_the_command_line(
    personas, exitable, walk, clock
):
    from jingzhun.procedures import services

    case = walk(
        services.case_open(
            by=personas["village_officer"], kind="exit", household=exitable, year=2018
        ),
        until="village_notice",
    )
    run("step", case.reference, "village_notice", "--as", "village_officer")
    objection_id = run("object", case.reference, "--name", "村民甲", "--text", "收入不实").strip()
    clock.advance(days=8)
    with pytest.raises(CommandError):
        run(
            "step",
            case.reference,
            "township_review",
            "--as",
            "township_officer",
            "--param",
            "approved=1",
        )
    run(
        "resolve",
        objection_id,
        "--as",
        "township_officer",
        "--dismissed",
        "--reasons",
        "经核实不属实",
    )
    run(
        "step",
        case.reference,
        "township_review",
        "--as",
        "township_officer",
        "--param",
        "approved=1",
    )
    assert Case.objects.get().step == "township_review"
