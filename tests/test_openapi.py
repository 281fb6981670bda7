"""The API's description (issue 18, point 1): ``/api/v1/openapi.json`` names every
``/api/v1`` route of the app and nothing else, with the parameters the views parse through
the same models; ``/api/docs`` renders it with assets served by the app itself.
(tests/contract/test_openapi_conformance.py checks the running service's answers against it.)
"""

from __future__ import annotations

import re

import pytest

from app import lantai_of
from app.openapi import API_PREFIX, UndescribedRoute, openapi_document, openapi_path
from search.base import SORTS
from search.params import ParamError, SearchParameters, parse_request

METHODS = {"get", "post", "put", "patch", "delete"}


def api_routes(app) -> set[tuple[str, str]]:
    """``(method, OpenAPI path)`` of every ``/api/v1`` route in the app's URL map."""
    return {
        (method.lower(), openapi_path(rule.rule)[0])
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(API_PREFIX + "/")
        for method in rule.methods or ()
        if method.lower() in METHODS
    }


def documented(document: dict) -> set[tuple[str, str]]:
    """``(method, path)`` of every operation of an OpenAPI document."""
    return {
        (method, path) for path, item in document["paths"].items() for method in item if method in METHODS
    }


def operation(document: dict, method: str, path: str) -> dict:
    """One operation of the document."""
    return document["paths"][path][method]


def test_the_document_is_openapi_3_1_and_names_every_api_route_and_no_other(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    assert documented(document) == api_routes(client.application)
    assert ("get", "/api/v1/records/{record_id}") in documented(document)
    assert ("post", "/api/v1/staff/requests/{reference}") in documented(document)


def test_a_route_without_its_description_fails_the_document(client):
    app = client.application
    app.add_url_rule(API_PREFIX + "/careless", "careless", lambda: {"secret": 1})
    with pytest.raises(UndescribedRoute, match="careless"):
        openapi_document(app)


def test_search_parameters_are_documented_from_the_model_that_parses_them(client):
    document = client.get("/api/v1/openapi.json").get_json()
    parameters = {p["name"]: p for p in operation(document, "get", "/api/v1/search")["parameters"]}
    assert set(parameters) == set(SearchParameters.model_fields)
    assert parameters["sort"]["schema"]["enum"] == list(SORTS)
    settings = lantai_of(client.application).settings
    assert parameters["size"]["schema"]["maximum"] == settings.max_page_size
    assert parameters["archive"]["schema"]["type"] == "array"
    # What the document allows is what parsing allows, and one past it is refused by name.
    assert parse_request({"size": str(settings.max_page_size)}, settings).size == settings.max_page_size
    with pytest.raises(ParamError) as refused:
        parse_request({"size": str(settings.max_page_size + 1)}, settings)
    assert refused.value.name == "size"
    answer = client.get("/api/v1/search", query_string={"sort": "newest"})
    assert answer.status_code == 400 and answer.get_json()["parameter"] == "sort"
    export = {p["name"] for p in operation(document, "get", "/api/v1/search/export")["parameters"]}
    assert export == set(SearchParameters.model_fields) | {"format"}


def test_answers_and_errors_are_described_with_their_models(client):
    document = client.get("/api/v1/openapi.json").get_json()
    search = operation(document, "get", "/api/v1/search")["responses"]
    assert search["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/SearchAnswer"
    }
    assert search["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorAnswer"
    }
    folders = operation(document, "get", "/api/v1/me/folders")
    assert folders["security"] == [{"bearer": []}] and "401" in folders["responses"]
    assert operation(document, "get", "/api/v1/search")["security"] == [{}, {"bearer": []}]
    body = operation(document, "post", "/api/v1/me/folders/{folder_id}/items")["requestBody"]
    assert body["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ItemToAdd"}
    assert "204" in operation(document, "delete", "/api/v1/me/folders/{folder_id}")["responses"]
    step = operation(document, "post", "/api/v1/staff/requests/{reference}")["requestBody"]["content"]
    assert set(step) == {"application/json", "multipart/form-data"}
    form = document["components"]["schemas"]["RequestStepForm"]["properties"]["file"]
    assert form["items"] == {"format": "binary", "type": "string"}
    export = operation(document, "get", "/api/v1/search/export")["responses"]["200"]["content"]
    assert set(export) == {"text/csv", "application/json", "application/x-research-info-systems"}
    hit = document["components"]["schemas"]["SearchHit"]
    assert {"id", "archive_code", "snippet", "visibility"} <= set(hit["required"])


def test_the_docs_page_loads_everything_from_this_app_under_the_strict_csp(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "style-src 'self';" in csp and "unsafe" not in csp
    html = page.get_data(as_text=True)
    assert "<script>" not in html and "style=" not in html  # nothing inline
    links = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert links and all(link.startswith("/") and not link.startswith("//") for link in links)
    for link in links:
        asset = client.get(link)
        assert asset.status_code == 200, link
    assert 'data-url="/api/v1/openapi.json"' in html
    assert client.get("/api/docs/assets/swagger-ui-bundle.js").mimetype in (
        "text/javascript",
        "application/javascript",
    )
    assert client.get("/api/docs/assets/..%2Fdist%2Findex.css").status_code == 404


# -- inputs schemathesis found answering 500, kept as examples ----------------------------


def test_an_id_past_the_catalogs_integers_names_nothing(client):
    lantai = lantai_of(client.application)
    lantai.users.add("res1", "researcher", "correct horse battery")
    token = lantai.users.create_token("res1")
    answer = client.post(
        "/api/v1/me/folders/18924694292230811648/items",
        json={"record_id": "x/y"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 404 and answer.get_json() == {"error": "not found"}


def test_a_contact_that_is_only_an_at_sign_is_a_bad_field(client):
    request = {
        "name": "王小明",
        "contact": "@",
        "purpose": "退休",
        "kind": "employment",
        "description": "土地证",
    }
    answer = client.post("/api/v1/requests", json=request)
    assert answer.status_code == 400 and "contact" in answer.get_json()["fields"]
