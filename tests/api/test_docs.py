"""The OpenAPI document and the docs page, which must work on a closed network."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_the_openapi_document_names_the_api(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["info"] == {
        "title": "Jingzhun API",
        "version": "1",
        "description": schema["info"]["description"],
    }
    assert "/api/v1/households/{household_no}" in schema["paths"]
    alerts = schema["paths"]["/api/v1/alerts"]["get"]
    assert "jingzhun.monitoring" in alerts["description"]


def test_the_docs_page_references_no_external_host(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html, re.I), html
    for asset in re.findall(r'(?:src|href)="/static/([^"]+)"', html):
        assert finders.find(asset), asset
    assert '"validatorUrl": null' in html  # no badge fetched from validator.swagger.io
