"""Every API route, for every persona, inside and outside its scope — generated from the
NinjaAPI's registered operations, so a route added later is covered without editing here."""

from __future__ import annotations

import itertools
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from jingzhun.api.api import api
from jingzhun.registry import services

from .conftest import (
    MISSING,
    PARAM_VALUES,
    PERSONAS,
    QUERY_VALUES,
    READS_AUDIT,
    VISIBLE,
    out_of_scope_markers,
)

pytestmark = pytest.mark.django_db

PREFIX = "/api/v1"
UNAUTHENTICATED_ROUTES = {("post", "/api/v1/auth/token")}


def _operations() -> list[tuple[str, str, dict]]:
    schema = api.get_openapi_schema(path_prefix=PREFIX)
    ops = []
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            ops.append((method, path, op))
    return ops


OPERATIONS = _operations()


def _params(op: dict, where: str) -> list[dict]:
    return [p for p in op.get("parameters", []) if p["in"] == where]


GET_WITH_PATH = [(m, p, op) for m, p, op in OPERATIONS if m == "get" and _params(op, "path")]
GET_LISTS = [(m, p, op) for m, p, op in OPERATIONS if m == "get" and not _params(op, "path")]


def _ids(ops):
    return [f"{m.upper()} {p}" for m, p, _ in ops]


def _query(op: dict) -> dict:
    query = {}
    for param in _params(op, "query"):
        if param.get("required"):
            if param["name"] not in QUERY_VALUES:
                pytest.fail(
                    f"required query parameter {param['name']!r} has no test value: "
                    "add it to QUERY_VALUES in tests/api/conftest.py"
                )
            query[param["name"]] = QUERY_VALUES[param["name"]]
    return query


def _fill(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


def test_the_api_has_routes_with_path_parameters_to_check():
    # Guards against the generator silently finding nothing.
    assert {p for _, p, _ in GET_WITH_PATH} >= {
        "/api/v1/regions/{code}",
        "/api/v1/households/{household_no}",
        "/api/v1/stats/{code}",
    }
    assert "/api/v1/households" in {p for _, p, _ in GET_LISTS}


def test_every_url_under_the_api_prefix_is_a_described_operation():
    """A plain Django view slipped into jingzhun/api/urls.py would escape the generated tests."""
    described = {re.sub(r"\{\w+\}", "{}", p) for _, p, _ in OPERATIONS}

    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern):
                yield route, pattern.name

    for route, name in walk(get_resolver().url_patterns):
        if not route.startswith("api/v1/") or name in ("openapi-json", "openapi-view"):
            continue
        if name == "api-root":  # ninja's anchor for reverse(); it serves nothing
            continue
        normalised = "/" + re.sub(r"<(?:\w+:)?\w+>", "{}", route)
        assert normalised in described, f"{route} is routed but not in the OpenAPI schema"


def test_the_api_root_serves_nothing(client, places):
    assert client.get("/api/v1/").status_code == 404


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("method", "path", "op"), GET_WITH_PATH, ids=_ids(GET_WITH_PATH))
def test_a_record_answers_200_in_scope_and_404_outside_exactly_like_a_missing_one(
    client_for, persona, method, path, op
):
    names = [p["name"] for p in _params(op, "path")]
    for name in names:
        if name not in PARAM_VALUES:
            pytest.fail(
                f"{path}: path parameter {name!r} has no fixture values: add it to "
                "PARAM_VALUES, MISSING and VISIBLE in tests/api/conftest.py"
            )
    client = client_for(persona)
    query = _query(op)
    missing = client.get(_fill(path, MISSING), query)
    assert missing.status_code == 404, (path, missing.content)
    for keys in itertools.product(*(PARAM_VALUES[n] for n in names)):
        url = _fill(path, {n: PARAM_VALUES[n][k] for n, k in zip(names, keys, strict=True)})
        response = client.get(url, query)
        visible = all(k in VISIBLE[persona][n] for n, k in zip(names, keys, strict=True))
        if visible:
            assert response.status_code == 200, (persona, url, response.content)
        else:
            assert response.status_code == 404, (persona, url, response.content)
            assert response.content == missing.content, (persona, url)
            assert response.headers["Content-Type"] == missing.headers["Content-Type"]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("method", "path", "op"), GET_LISTS, ids=_ids(GET_LISTS))
def test_a_list_never_includes_a_record_outside_the_scope(
    client_for, seeded, persona, method, path, op
):
    client = client_for(persona)
    response = client.get(path, _query(op))
    if path.startswith("/api/v1/audit") and persona not in READS_AUDIT:
        assert response.status_code == 403, response.content
        return
    assert response.status_code == 200, (persona, path, response.content)
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    body = raw.decode("utf-8")
    for marker in out_of_scope_markers(seeded["households"], persona):
        assert marker not in body, (persona, path, marker)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("method", "path", "op"), GET_LISTS, ids=_ids(GET_LISTS))
def test_a_list_filtered_by_a_region_outside_the_scope_answers_404(
    client_for, persona, method, path, op
):
    if "region" not in {p["name"] for p in _params(op, "query")}:
        pytest.skip("no region filter")
    if path.startswith("/api/v1/audit") and persona not in READS_AUDIT:
        pytest.skip("the role may not read the audit trail at all")
    client = client_for(persona)
    missing = client.get(path, {**_query(op), "region": MISSING["code"]})
    assert missing.status_code == 404
    for key, code in PARAM_VALUES["code"].items():
        response = client.get(path, {**_query(op), "region": code})
        if key in VISIBLE[persona]["code"]:
            assert response.status_code == 200, (persona, path, code, response.content)
        else:
            assert response.status_code == 404, (persona, path, code)
            assert response.content == missing.content


def test_the_households_list_shows_exactly_the_households_in_scope(client_for, seeded):
    for persona in PERSONAS:
        body = client_for(persona).get("/api/v1/households").json()
        expected = {PARAM_VALUES["household_no"][k] for k in VISIBLE[persona]["household_no"]}
        assert {row["household_no"] for row in body["items"]} == expected, persona
        assert body["count"] == len(expected)


@pytest.mark.parametrize(("method", "path", "op"), OPERATIONS, ids=_ids(OPERATIONS))
def test_every_route_refuses_a_caller_without_credentials(client, method, path, op, places):
    if (method, path) in UNAUTHENTICATED_ROUTES:
        pytest.skip("the sign-in route itself")
    names = re.findall(r"\{(\w+)\}", path)
    values = {n: next(iter(PARAM_VALUES.get(n, {"x": "1"}).values())) for n in names}
    url = _fill(path, values)
    if method == "get":
        response = client.get(url, _query(op))
    else:
        response = getattr(client, method)(url, data="{}", content_type="application/json")
    assert response.status_code == 401, (method, path, response.content)


# Roles that see ID numbers (and, for some, phone numbers) only masked (accounts.roles).
MASKED_FOR = {"cadre": {"id"}, "auditor": {"id", "phone"}, "department": {"id", "phone"}}
GETS = [(m, p, op) for m, p, op in OPERATIONS if m == "get"]


@pytest.mark.parametrize(("method", "path", "op"), GETS, ids=_ids(GETS))
def test_no_answer_carries_a_whole_id_number_or_phone_for_a_role_that_sees_them_masked(
    client_for, seeded, method, path, op
):
    households = seeded["households"]
    # A member added through the services, so the audit trail and history carry an ID number.
    services.member_add(
        by=seeded["personas"]["county_admin"],
        household=households["A1a"],
        data={"id_number": "11010519491231002X", "name": "新成员", "relation": "parent"},
    )
    id_numbers = {m.id_number for h in households.values() for m in h.members.all()}
    phones = {h.phone for h in households.values() if h.phone}
    names = [p["name"] for p in _params(op, "path")]
    for persona, masked in MASKED_FOR.items():
        client = client_for(persona)
        keys_per_name = [sorted(VISIBLE[persona][n]) for n in names]
        for keys in itertools.product(*keys_per_name):
            values = {n: PARAM_VALUES[n][k] for n, k in zip(names, keys, strict=True)}
            response = client.get(_fill(path, values), _query(op))
            if response.status_code != 200:
                continue
            raw = b"".join(response.streaming_content) if response.streaming else response.content
            body = raw.decode("utf-8")
            for number in id_numbers:
                assert number not in body, (persona, path, values)
            if "phone" in masked:
                for phone in phones:
                    assert phone not in body, (persona, path, values)
