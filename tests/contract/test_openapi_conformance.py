"""The running service answers as its OpenAPI document says (issue 18, point 1), on every
backend: schemathesis reads ``/api/v1/openapi.json`` from a real HTTP server and sends each
operation requests made from the document, anonymous and with an admin's token (who has a
workspace and serves every archive): valid ones, and invalid ones (a parameter or body
field of the wrong type or out of range) to each operation that takes any. No answer is a
server error, and every status, content type and body is one the document declares.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.serving import WSGIRequestHandler, make_server

from app import create_app, lantai_of
from catalog import policy

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
#: Requests per operation and caller kind: enough to meet each answer, within CI's 2 cores.
EXAMPLES = 12
PASSWORD = "correct horse battery"


class QuietHandler(WSGIRequestHandler):
    """The test server's request handler, without a log line per request."""

    def log_request(self, *args, **kwargs) -> None:
        """Hundreds of requests: not logged."""


@dataclass(frozen=True)
class Service:
    """The running service: its URL, the admin's token, and a filed request's reference and
    check code (which no generated value would hit)."""

    url: str
    token: str
    reference: str
    code: str


@pytest.fixture
def service(lantai) -> Iterator[Service]:
    """A real HTTP server of the app on the contract corpus, with an admin, a folder holding
    a record, a saved search, a grant and a filed request, so that ids 1 name something."""
    app = create_app(lantai.settings)
    runtime = lantai_of(app)
    admin = runtime.users.add("boss", "admin", PASSWORD, ("*",), clearance=True)
    runtime.workspace.save_search(admin, "土改", "土地改革", {})
    folder = runtime.workspace.create_folder(admin, "专题", "")
    runtime.workspace.add_item(admin, folder["id"], "test-city/J001-001-0001", "笔记", [], "")
    runtime.users.add("res1", "researcher", PASSWORD)
    runtime.store.grants().grant("res1", ["test-city/J001-001-0004"], "2999-12-31", "编史修志", "boss")
    request = {"name": "王小明", "contact": "wang@example.org", "purpose": "退休", "kind": "employment"}
    filed, code = runtime.requests.file(
        {**request, "records": ["test-city/J001-001-0001"]}, policy.PUBLIC, "10.0.0.1"
    )
    token = runtime.users.create_token("boss")
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Service(f"http://127.0.0.1:{server.server_port}", token, filed.reference, code)
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
        runtime.close()


def can_be_wrong(schema, operation) -> bool:
    """Whether an operation takes anything that can be sent wrong: a query parameter, a
    body or a number in its path (any non-empty text is a valid record id or reference)."""
    definition = schema.raw_schema["paths"][operation.path][operation.method.lower()]
    return "requestBody" in definition or any(
        p["in"] == "query" or p["schema"].get("type") != "string" for p in definition.get("parameters", [])
    )


def strategies(schema, service: Service) -> list[st.SearchStrategy]:
    """What to send each operation: valid requests; invalid ones where it takes anything;
    and valid ones on the filed request (with its check code for the requester's route)."""
    runs = []
    for result in schema.get_all_operations():
        operation = result.ok()
        runs.append(operation.as_strategy())
        if can_be_wrong(schema, operation):
            runs.append(operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
        if "{reference}" in operation.path:
            code = {"code": service.code} if not operation.path.startswith("/api/v1/staff/") else None
            filed = operation.as_strategy(path_parameters={"reference": service.reference}, query=code)
            runs.append(filed)
    return runs


def test_every_answer_conforms_to_the_document(service):
    schema = schemathesis.openapi.from_url(f"{service.url}/api/v1/openapi.json")
    assert len(list(schema.get_all_operations())) >= 30
    callers = st.sampled_from([{}, {"Authorization": f"Bearer {service.token}"}])
    statuses: dict[str, set[int]] = {}
    url = service.url

    for strategy in strategies(schema, service):

        @given(case=strategy, headers=callers)
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        def conforms(case, headers):
            response = case.call_and_validate(base_url=url, headers=headers, checks=CHECKS, timeout=60)
            statuses.setdefault(case.operation.label, set()).add(response.status_code)

        conforms()

    # The calls reached the service's answers, not only its refusals.
    assert 200 in statuses["GET /api/v1/search"]
    assert {200, 401} <= statuses["GET /api/v1/me/folders"]
    assert 200 in statuses["GET /api/v1/staff/grants"]
    assert 200 in statuses["GET /api/v1/requests/{reference}"]
    assert 200 in statuses["GET /api/v1/staff/requests/{reference}"]
