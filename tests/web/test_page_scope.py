"""Every page of the project, for every persona, inside and outside its scope — generated from
the URLconf, so a page added later by any app is covered without editing here.

The invariant: a record outside the caller's scope is answered exactly like a record that does
not exist (same status, same body), and nothing is written. The county admin of county A and
the county admin of county B ("outsider") are mirror images: each must get the same answer on
its own side, which shows that scope — not the data — decides. Listing pages never show a
household the persona may not see.

A route whose parameter is not known here fails loudly until `PARAM_VALUES` (or, for `pk`,
`PK_RECORDS`) says what values it takes; the JSON API has its own generator (tests/api).
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from jingzhun.assistance.models import (
    Cadre,
    Finding,
    FirstSecretary,
    Inspection,
    Measure,
    Pairing,
    Plan,
    Target,
    Visit,
    WorkTeam,
)
from jingzhun.audit.models import AuditEntry
from jingzhun.funds.models import Project
from jingzhun.monitoring.models import Alert
from jingzhun.procedures.models import Case, Notice, Objection
from jingzhun.quality.rulebook import all_rules
from jingzhun.regions.models import Region
from tests.conftest import COUNTY_B

from .conftest import HOUSEHOLD, REGION

pytestmark = pytest.mark.django_db

PERSONAS = (
    "county_admin",
    "township_officer",
    "village_officer",
    "cadre",
    "auditor",
    "department",
    "outsider",
)
TOWNSHIP_B = COUNTY_B[:6] + "001000"
REGIONS = {**REGION, "B1": TOWNSHIP_B, "Bc": COUNTY_B}

# What each persona may see, written out here rather than asked of the scoping layer.
_A_REGIONS = {"A", "A1", "A1a", "A1b"}
SEES_REGIONS = {
    "county_admin": _A_REGIONS,
    "township_officer": {"A1", "A1a", "A1b"},
    "village_officer": {"A1a"},
    "cadre": {"A1", "A1a", "A1b"},
    "auditor": _A_REGIONS,
    "department": _A_REGIONS,
    "outsider": {"B", "B1", "Bc"},
}
SEES_HOUSEHOLDS = {
    "county_admin": {"A1a", "A1b"},
    "township_officer": {"A1a", "A1b"},
    "village_officer": {"A1a"},
    "cadre": {"A1a"},  # only the paired household
    "auditor": {"A1a", "A1b"},
    "department": set(),
    "outsider": {"B"},
}
# County A's key → the mirror key on county B's side.
MIRROR = {"A": "Bc", "A1": "B1", "A1a": "B"}

# Pages outside this generator: the admin (tests/web/test_admin.py), the JSON API
# (tests/api/test_scope.py), Django's language switch, and signing in and out.
SKIP_PREFIXES = ("admin/", "api/v1/", "i18n/")
SKIP_NAMES = {"login", "logout"}

# pk routes: the model their pk names. A new pk route fails until it is listed here.
PK_RECORDS = {
    "assistance:cadre_detail": "cadre",
    "assistance:pairing_end": "pairing",
    "assistance:measure_status": "measure",
    "assistance:visit_photo": "visit",
    "assistance:team_end": "team",
    "assistance:secretary_end": "secretary",
    "assistance:inspection": "inspection",
    "assistance:finding_rectify": "finding",
    "funds:project": "project",
    "procedures:notice": "notice",
    "procedures:objection_resolve": "objection",
    "monitoring:alert": "alert",
    "monitoring:alert_action": "alert",
}
# Query strings a listing needs to list anything (search matches household-number prefixes).
LIST_QUERY = {"search": {"q": "5"}}


def _routes():
    def walk(patterns, prefix="", namespace=None):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                ns = pattern.namespace or namespace
                yield from walk(pattern.url_patterns, route, ns)
            elif isinstance(pattern, URLPattern):
                yield route, f"{namespace}:{pattern.name}" if namespace else pattern.name

    for route, name in walk(get_resolver().url_patterns):
        if route.startswith(SKIP_PREFIXES) or name in SKIP_NAMES:
            continue
        yield route, name


ROUTES = sorted(_routes())
WITH_PARAMS = [(r, n) for r, n in ROUTES if "<" in r]
LISTINGS = [(r, n) for r, n in ROUTES if "<" not in r]


def _param_names(route: str) -> list[str]:
    return re.findall(r"<(?:\w+:)?(\w+)>", route)


@pytest.fixture
def sides(personas, households, places, settings, tmp_path):
    """One record of every pk-addressed kind on each side: A (village A1a, household A1a) and
    B (county B), as {kind: {"A": pk, "B": pk}}; and a target for every region, so pages
    addressed by region and year have something to show."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = str(tmp_path)
    for code in REGIONS.values():
        Target.objects.create(region=Region.objects.get(code=code), year=2018, persons=10)
    own_cadre = Cadre.objects.get(user=personas["cadre"])
    b_cadre = Cadre.objects.create(name="孙帮扶", unit="区农业局", region=places["B"])
    day = dt.date(2018, 3, 1)
    made = {"cadre": {"A": own_cadre, "B": b_cadre}}
    made["pairing"] = {
        "A": Pairing.objects.get(cadre=own_cadre),
        "B": Pairing.objects.create(cadre=b_cadre, household=households["B"], start=day),
    }
    made["visit"] = {
        key: Visit.objects.create(
            household=households[hh],
            cadre=c,
            date=day,
            found="住房漏雨",
            photo=SimpleUploadedFile("p.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32),
            photo_type="image/png",
        )
        for key, hh, c in (("A", "A1a", own_cadre), ("B", "B", b_cadre))
    }
    made["measure"] = {
        key: Measure.objects.create(
            plan=Plan.objects.create(household=households[hh]),
            batch="2018-1",
            kind="industry",
            description="养殖",
            start=day,
        )
        for key, hh in (("A", "A1a"), ("B", "B"))
    }
    made["team"] = {
        key: WorkTeam.objects.create(village=places[v], unit="县财政局", start=day)
        for key, v in (("A", "A1a"), ("B", "B"))
    }
    made["secretary"] = {
        key: FirstSecretary.objects.create(name=f"书记{key}", village=places[v], start=day)
        for key, v in (("A", "A1a"), ("B", "B"))
    }
    made["inspection"] = {
        key: Inspection.objects.create(region=places[v], date=day, inspectors="督查组")
        for key, v in (("A", "A1a"), ("B", "B"))
    }
    made["finding"] = {
        key: Finding.objects.create(
            inspection=made["inspection"][key],
            description="台账不全",
            severity="minor",
            responsible_unit="村委会",
            deadline=dt.date(2018, 6, 1),
        )
        for key in ("A", "B")
    }
    made["project"] = {
        key: Project.objects.create(
            name=f"通村路{key}",
            category="infrastructure",
            location=places[v],
            year=2018,
            planned_quantity=3,
            unit="km",
        )
        for key, v in (("A", "A1a"), ("B", "B"))
    }
    made["alert"] = {
        key: Alert.objects.create(
            household=households[hh],
            year=2018,
            rule="income_below_threshold",
            level="yellow",
            reason="人均纯收入不高于监测范围",
            policy="cn-monitoring-2020",
            tier="village",
            region=households[hh].village,
            raised_on=day,
            verify_by=day + dt.timedelta(days=15),
            decide_by=day + dt.timedelta(days=30),
            due_on=day + dt.timedelta(days=15),
        )
        for key, hh in (("A", "A1a"), ("B", "B"))
    }
    now = dt.datetime(2018, 3, 1, tzinfo=dt.UTC)
    made["case"] = {
        key: Case.objects.create(
            reference=f"exit-2018-{households[hh].household_no}-1",
            kind="exit",
            household=households[hh],
            year=2018,
            plan=["proposal", "meeting", "household_agreement", "village_notice"],
            step="village_notice",
            opened_at=now,
        )
        for key, hh in (("A", "A1a"), ("B", "B"))
    }
    made["notice"] = {}
    made["objection"] = {}
    for key, v in (("A", "A1a"), ("B", "B")):
        notice = Notice.objects.create(
            region=places[v],
            level="village",
            kind="exit",
            step="village_notice",
            year=2018,
            starts_at=now,
            ends_at=now + dt.timedelta(days=7),
        )
        notice.cases.add(made["case"][key])
        made["notice"][key] = notice
        made["objection"][key] = Objection.objects.create(
            notice=notice, case=made["case"][key], lodged_by_name="村民", text="异议", lodged_at=now
        )
    made["case"] = {k: type("Ref", (), {"pk": c.reference}) for k, c in made["case"].items()}
    return {kind: {k: str(obj.pk) for k, obj in pair.items()} for kind, pair in made.items()}


# The scope each side's record sits in: ("household", key) or ("region", key).
RECORD_SCOPE = {
    "cadre": {"A": ("region", "A1"), "B": ("region", "B")},
    **{
        kind: {"A": ("household", "A1a"), "B": ("household", "B")}
        for kind in ("pairing", "visit", "measure", "objection", "alert")
    },
    **{
        kind: {"A": ("region", "A1a"), "B": ("region", "B")}
        for kind in ("team", "secretary", "inspection", "finding", "project", "notice")
    },
}


def _values(name: str, route_name: str, households, sides) -> tuple[dict[str, str], str]:
    """{key: value} for a route parameter, and a well-formed value that names nothing."""
    if name == "code":
        return REGIONS, "512021009009"
    if name == "household_no":
        return HOUSEHOLD, "5120219999999999"
    if name == "member_id":
        return {
            k: str(h.members.order_by("pk").first().pk) for k, h in households.items()
        }, "99999999"
    if name == "year":
        return {"*": "2018"}, ""
    if name == "rule_id":
        return {"*": next(iter(all_rules()))}, ""
    if name == "action":  # a monitoring alert's next step
        return {"*": "verify"}, ""
    if name == "reference":  # a procedure case
        return {"A1a": sides["case"]["A"], "B": sides["case"]["B"]}, "exit-2018-5120219999999999-1"
    if name == "pk":
        kind = PK_RECORDS.get(route_name)
        if kind is None:
            pytest.fail(f"{route_name}: add the model its pk names to PK_RECORDS")
        return sides[kind], "99999999"
    pytest.fail(f"{route_name}: parameter {name!r} has no test values: add it to _values()")


def _sees(persona: str, name: str, route_name: str, key: str) -> bool:
    if key == "*":  # a parameter that does not scope (year, rule)
        return True
    if name == "code":
        return key in SEES_REGIONS[persona]
    if name in ("household_no", "member_id", "reference"):
        return key in SEES_HOUSEHOLDS[persona]
    what, scope_key = RECORD_SCOPE[PK_RECORDS[route_name]][key]
    table = SEES_HOUSEHOLDS if what == "household" else SEES_REGIONS
    return scope_key in table[persona]


def _ask(client: Client, route_name: str, kwargs: dict[str, str]):
    """GET the page; a POST-only page (405) is asked with an empty POST instead."""
    url = reverse(route_name, kwargs=kwargs)
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url, {})
    return response


_CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"')


def _refusal(response) -> tuple[int, bytes]:
    """The status and body, less what differs between any two renderings of one page: the
    masked CSRF token (random per response) and the page's own address (the language form)."""
    body = _CSRF.sub(b"", response.content)
    return response.status_code, body.replace(response.wsgi_request.path.encode(), b"URL")


def _client(personas, persona: str) -> Client:
    client = Client()
    client.force_login(personas[persona])
    return client


@pytest.mark.parametrize(("route", "route_name"), WITH_PARAMS, ids=[n for _, n in WITH_PARAMS])
def test_a_page_outside_the_scope_answers_exactly_like_a_missing_record_and_writes_nothing(
    personas, households, sides, route, route_name
):
    names = _param_names(route)
    values = {n: _values(n, route_name, households, sides) for n in names}
    for persona in PERSONAS:
        client = _client(personas, persona)
        for keys in itertools.product(*(values[n][0] for n in names)):
            if all(_sees(persona, n, route_name, k) for n, k in zip(names, keys, strict=True)):
                continue
            kwargs = {n: values[n][0][k] for n, k in zip(names, keys, strict=True)}
            # The same request with every out-of-scope value replaced by one that names nothing.
            missing_kwargs = {
                n: (
                    values[n][1]
                    if values[n][1] and not _sees(persona, n, route_name, k)
                    else kwargs[n]
                )
                for n, k in zip(names, keys, strict=True)
            }
            missing = _ask(client, route_name, missing_kwargs)
            written = AuditEntry.objects.count()
            response = _ask(client, route_name, kwargs)
            where = (persona, route_name, kwargs)
            assert response.status_code in (403, 404), where
            assert _refusal(response) == _refusal(missing), where
            assert AuditEntry.objects.count() == written, where


@pytest.mark.parametrize(("route", "route_name"), WITH_PARAMS, ids=[n for _, n in WITH_PARAMS])
def test_the_county_admins_of_two_counties_get_mirror_answers_on_their_own_side(
    personas, households, sides, route, route_name
):
    names = _param_names(route)
    values = {n: _values(n, route_name, households, sides) for n in names}

    def mirror(name: str, key: str) -> str:
        return key if key == "*" else "B" if name == "pk" else MIRROR[key]

    # County B has one township, one village and one household: A1b has no mirror.
    own_side = {"*", "A", "A1", "A1a"}
    combos = [
        keys
        for keys in itertools.product(*(values[n][0] for n in names))
        if all(k in own_side for k in keys)
    ]
    answered = []
    for keys in combos:
        a_kwargs = {n: values[n][0][k] for n, k in zip(names, keys, strict=True)}
        b_kwargs = {n: values[n][0][mirror(n, k)] for n, k in zip(names, keys, strict=True)}
        a = _ask(_client(personas, "county_admin"), route_name, a_kwargs)
        b = _ask(_client(personas, "outsider"), route_name, b_kwargs)
        assert a.status_code == b.status_code, (route_name, a_kwargs, b_kwargs)
        answered.append(a.status_code)
    # Guards against a route that refuses everyone (a broken fixture would pass vacuously).
    assert any(status not in (403, 404) for status in answered), (route_name, answered)


def _body_text(response) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    if raw[:2] == b"PK":  # an XLSX download: read the cells
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(raw), read_only=True)
        return "\n".join(
            str(cell)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if cell is not None
        )
    return raw.decode("utf-8", errors="replace")


def _hidden_markers(households, persona: str) -> set[str]:
    markers = set()
    for key, household in households.items():
        if key in SEES_HOUSEHOLDS[persona]:
            continue
        markers.add(household.household_no)
        for member in household.members.all():
            markers.update({member.id_number, member.name})
    return markers


@pytest.mark.parametrize(("route", "route_name"), LISTINGS, ids=[n for _, n in LISTINGS])
def test_a_listing_page_never_shows_a_household_outside_the_scope(
    personas, households, sides, route, route_name
):
    for persona in PERSONAS:
        client = _client(personas, persona)
        response = client.get(reverse(route_name), LIST_QUERY.get(route_name, {}))
        if response.status_code == 405:
            continue  # a POST-only form target lists nothing
        text = _body_text(response)
        for marker in _hidden_markers(households, persona):
            assert marker not in text, (persona, route_name, marker)


# Roles that see ID numbers (and, for some, phone numbers) only masked (accounts.roles).
MASKED_FOR = {"cadre": {"id"}, "auditor": {"id", "phone"}, "department": {"id", "phone"}}


@pytest.mark.parametrize(("route", "route_name"), ROUTES, ids=[n for _, n in ROUTES])
def test_no_page_shows_a_whole_id_number_or_phone_to_a_role_that_sees_them_masked(
    personas, households, sides, route, route_name
):
    names = _param_names(route)
    values = {n: _values(n, route_name, households, sides) for n in names}
    id_numbers = {m.id_number for h in households.values() for m in h.members.all()}
    phones = {h.phone for h in households.values() if h.phone}
    for persona, masked in MASKED_FOR.items():
        client = _client(personas, persona)
        for keys in itertools.product(*(values[n][0] for n in names)):
            if not all(_sees(persona, n, route_name, k) for n, k in zip(names, keys, strict=True)):
                continue
            kwargs = {n: values[n][0][k] for n, k in zip(names, keys, strict=True)}
            response = client.get(
                reverse(route_name, kwargs=kwargs), LIST_QUERY.get(route_name, {})
            )
            if response.status_code != 200:
                continue
            text = _body_text(response)
            for number in id_numbers:
                assert number not in text, (persona, route_name, kwargs)
            if "phone" in masked:
                for phone in phones:
                    assert phone not in text, (persona, route_name, kwargs)
