"""The API's description (OpenAPI 3.1): ``GET /api/v1/openapi.json`` and the page that renders
it, ``/api/docs``.

Each ``/api/v1`` view declares what it takes and answers with :func:`described` (models of
:mod:`app.api_models`, :mod:`app.request_models` and :class:`search.params.SearchParameters`);
:func:`openapi_document` walks the app's routes and writes the document with apispec from
those declarations, so a route cannot be left out (an undescribed one fails the build) and
what is documented is what the views parse (:func:`query_of`). The page loads Swagger UI from the installed
flask-swagger-ui package, served from this app: no other host, and the strict CSP holds.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Literal, TypeVar

import flask_swagger_ui
from apispec import APISpec
from flask import Blueprint, Flask, abort, current_app, jsonify, render_template, send_from_directory
from flask import request as flask_request
from pydantic import BaseModel, ValidationError

from app import MAX_ID, lantai_of
from app.api_models import ErrorAnswer
from search.params import ParamError, SearchParameters

API_PREFIX = "/api/v1"
OPERATION = "openapi_operation"
SWAGGER_DIST = Path(flask_swagger_ui.__file__).resolve().parent / "dist"
SWAGGER_ASSETS = ("swagger-ui.css", "swagger-ui-bundle.js")
SCHEMA_REF = "#/components/schemas/{model}"
F = TypeVar("F", bound=Callable[..., Any])
M = TypeVar("M", bound=BaseModel)

openapi = Blueprint("openapi", __name__)


@dataclass(frozen=True)
class Download:
    """An answer that is a file, in one of ``mimetypes``."""

    mimetypes: tuple[str, ...]


#: What an answer carries: a model (a JSON body), a file, or nothing (204).
Body = type[BaseModel] | Download | None


@dataclass(frozen=True)
class Operation:
    """What one route takes and answers, for the document."""

    summary: str
    description: str
    query: type[BaseModel] | None
    body: type[BaseModel] | None
    form: type[BaseModel] | None
    answers: Mapping[int, Body | tuple[Body, ...]]
    auth: Literal["none", "optional", "required"]
    tags: tuple[str, ...] = field(default=())


def described(
    *,
    answers: Mapping[int, Body | tuple[Body, ...]],
    query: type[BaseModel] | None = None,
    body: type[BaseModel] | None = None,
    form: type[BaseModel] | None = None,
    auth: Literal["none", "optional", "required"] = "optional",
    tag: str = "search",
    summary: str = "",
) -> Callable[[F], F]:
    """Declare a ``/api/v1`` view's query parameters, JSON body (or ``form``, a
    ``multipart/form-data`` body with files, as well) and answers (status →
    model), for :func:`openapi_document`; ``auth`` says whether a bearer token is needed;
    ``summary`` is the operation's title (the docstring, less its method and path, describes
    it). Put it below the route decorator."""

    def mark(view: F) -> F:
        found, rest = summary_of(view)
        if summary:
            title, description = summary, "\n\n".join(filter(None, (found, rest)))
        else:
            title, description = found or view.__name__.replace("_", " "), rest
        operation = Operation(title, description, query, body, form, answers, auth, (tag,))
        setattr(view, OPERATION, operation)
        return view

    return mark


def summary_of(view: Callable[..., Any]) -> tuple[str, str]:
    """A view's summary and description from its docstring, without the method and path the
    document already shows, in Markdown ("" when nothing else is left).

    >>> def add_item():
    ...     '''``POST /api/v1/me/folders/<id>/items`` ``{"record_id"}`` → 201: a record, added.'''
    >>> summary_of(add_item)
    ('A record, added.', '')
    >>> summary_of(lambda: None)
    ('', '')
    """
    doc = inspect.getdoc(view) or ""
    first, _, rest = doc.partition("\n\n")
    text = " ".join(first.split())
    text = re.sub(r"^``(GET|POST|PUT|PATCH|DELETE) [^`]*``(\s*``[^`]*``)?(\s*→\s*\d+)?[:.;]?\s*", "", text)
    text = text.replace("``", "`").strip()
    return text[:1].upper() + text[1:], rest.replace("``", "`").strip()


def query_of(model: type[M]) -> M:
    """The request's query string read by ``model`` (the one the route is described with);
    400 naming the parameter when a value does not fit."""
    args = flask_request.args
    try:
        return model.model_validate({name: args[name] for name in model.model_fields if name in args})
    except ValidationError as error:
        first = error.errors()[0]
        raise ParamError(str(first["loc"][0]), first["msg"]) from None


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A parameter's schema without the null choice of an optional field (a query string has
    no null: a parameter is given or not)."""
    choices = [c for c in schema.get("anyOf", []) if c.get("type") != "null"]
    if len(choices) == 1:
        rest = {k: v for k, v in schema.items() if k != "anyOf" and not (k == "default" and v is None)}
        return {**rest, **choices[0]}
    return schema


def _query_parameters(model: type[BaseModel], max_page_size: int) -> list[dict[str, Any]]:
    if issubclass(model, SearchParameters):
        schema = model.json_schema(max_page_size)
    else:
        schema = model.model_json_schema(ref_template=SCHEMA_REF)
    required = set(schema.get("required", []))
    parameters = []
    for name, prop in schema["properties"].items():
        prop = _without_null(prop)
        description = prop.pop("description", "")
        prop.pop("title", None)
        parameter = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if description:
            parameter["description"] = description
        parameters.append(parameter)
    return parameters


CONVERTERS: dict[str, dict[str, Any]] = {
    "int": {"type": "integer", "minimum": 0, "maximum": MAX_ID},
    "path": {"type": "string", "minLength": 1},
}


def openapi_path(rule: str) -> tuple[str, list[dict[str, Any]]]:
    """A Flask rule as an OpenAPI path and its path parameters.

    >>> path, parameters = openapi_path("/api/v1/me/folders/<int:folder_id>/items")
    >>> path, parameters[0]["schema"]
    ('/api/v1/me/folders/{folder_id}/items', {'type': 'integer', 'minimum': 0, 'maximum': 2147483647})
    """
    parameters = []
    for converter, name in re.findall(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", rule):
        schema = CONVERTERS.get(converter, {"type": "string", "minLength": 1})
        parameters.append({"name": name, "in": "path", "required": True, "schema": dict(schema)})
    return re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule), parameters


class Components:
    """The models a document refers to, each registered once in ``spec``."""

    def __init__(self, spec: APISpec) -> None:
        self.spec = spec
        self.names: set[str] = set()

    def ref(self, model: type[BaseModel]) -> dict[str, str]:
        """A reference to ``model``'s schema, registering it (and the models it holds)."""
        name = model.__name__
        if name not in self.names:
            schema = model.model_json_schema(ref_template=SCHEMA_REF)
            for inner, inner_schema in schema.pop("$defs", {}).items():
                if inner not in self.names:
                    self.names.add(inner)
                    self.spec.components.schema(inner, inner_schema)
            self.names.add(name)
            self.spec.components.schema(name, schema)
        return {"$ref": SCHEMA_REF.format(model=name)}

    def content(self, bodies: Body | tuple[Body, ...]) -> dict[str, Any] | None:
        """The ``content`` of an answer carrying ``bodies``; None for no body."""
        content: dict[str, Any] = {}
        for body in bodies if isinstance(bodies, tuple) else (bodies,):
            if isinstance(body, Download):
                content.update({m.split(";")[0].strip(): {"schema": {}} for m in body.mimetypes})
            elif body is not None:
                content["application/json"] = {"schema": self.ref(body)}
        return content or None


STATUS_TEXT = {
    200: "OK",
    201: "created",
    204: "done; no body",
    400: "a malformed parameter or body: the message names it",
    401: "not signed in, or an unknown or revoked token",
    403: "the account may not do this",
    404: "not found (a closed record answers exactly as a missing one)",
    429: "too many requests",
    503: "the search engine is unavailable; try again shortly",
}


def _operation(
    op: Operation, method: str, path_parameters: list[dict[str, Any]], components: Components, max_size: int
) -> dict[str, Any]:
    """One operation of the document: ``op`` as ``method``, with the answers every route can
    give (401 for an unknown token; 400 for a write without its CSRF token or body; 404 for a
    path whose parameters name nothing)."""
    answers: dict[int, Body | tuple[Body, ...]] = dict(op.answers)
    answers.setdefault(401, ErrorAnswer)  # an unknown token answers 401 anywhere
    if method not in ("GET", "HEAD"):
        answers.setdefault(400, ErrorAnswer)  # CSRF and malformed bodies
    if path_parameters:
        answers.setdefault(404, ErrorAnswer)
    responses = {}
    for status, bodies in sorted(answers.items()):
        response: dict[str, Any] = {"description": STATUS_TEXT.get(status, str(status))}
        content = components.content(bodies)
        if content:
            response["content"] = content
        responses[str(status)] = response
    operation: dict[str, Any] = {"summary": op.summary, "tags": list(op.tags), "responses": responses}
    if op.description:
        operation["description"] = op.description
    parameters = list(path_parameters)
    if op.query is not None:
        parameters += _query_parameters(op.query, max_size)
    if parameters:
        operation["parameters"] = parameters
    request_bodies = {"application/json": op.body, "multipart/form-data": op.form}
    content = {
        kind: {"schema": components.ref(model)} for kind, model in request_bodies.items() if model is not None
    }
    if content:
        operation["requestBody"] = {"required": True, "content": content}
    if op.auth == "required":
        operation["security"] = [{"bearer": []}]
    elif op.auth == "optional":
        operation["security"] = [{}, {"bearer": []}]
    return operation


TAGS = {
    "search": "Search, records and suggestions (检索): the caller's view of the holdings.",
    "requests": "Requests to consult records (查档申请): filed by anyone, answered by staff.",
    "workspace": "A researcher's saved searches, topic folders and grants (研究工作台).",
    "grants": "Access grants (查阅许可) made by staff.",
    "about": "This description.",
}


class UndescribedRoute(LookupError):
    """A ``/api/v1`` route without :func:`described`."""


def openapi_document(app: Flask) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every ``/api/v1`` route of ``app``."""
    spec = APISpec(
        title="Lantai API",
        version=metadata.version("lantai"),
        openapi_version="3.1.0",
        info={
            "description": (
                "Search and research access for archive holdings (兰台). Anonymous callers get "
                "the public view; `Authorization: Bearer <token>` (`lantai token create NAME`) "
                "gets that user's view. Closed and missing records answer alike (404)."
            )
        },
    )
    for name, text in TAGS.items():
        spec.tag({"name": name, "description": text})
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    components = Components(spec)
    max_size = lantai_of(app).settings.max_page_size
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith(API_PREFIX + "/"):
            continue
        view = app.view_functions[rule.endpoint]
        op = getattr(view, OPERATION, None)
        if op is None:
            raise UndescribedRoute(f"{rule.endpoint} ({rule.rule}) has no @described")
        path, path_parameters = openapi_path(rule.rule)
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        operations = {m.lower(): _operation(op, m, path_parameters, components, max_size) for m in methods}
        spec.path(path=path, operations=operations)
    return spec.to_dict()


class DocumentAnswer(BaseModel):
    """An OpenAPI 3.1 document."""

    openapi: str
    info: dict[str, Any]
    paths: dict[str, Any]


@openapi.app_errorhandler(ParamError)
def bad_parameter(error: ParamError):
    """A query parameter that does not fit its model (:func:`query_of`): 400 naming it."""
    if flask_request.path.startswith("/api/"):
        return jsonify(error=str(error), parameter=error.name), 400
    return render_template("error.html", message=str(error)), 400


@openapi.get(API_PREFIX + "/openapi.json")
@described(summary="This document", answers={200: DocumentAnswer}, auth="none", tag="about")
def document():
    """``GET /api/v1/openapi.json``: this document."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    cached = app.extensions.get("lantai.openapi")
    if cached is None:
        cached = app.extensions["lantai.openapi"] = openapi_document(app)
    return jsonify(cached)


@openapi.get("/api/docs")
def docs_page():
    """``/api/docs``: the document rendered by Swagger UI, with assets from this app."""
    return render_template("api_docs.html", assets=SWAGGER_ASSETS)


@openapi.get("/api/docs/assets/<name>")
def docs_asset(name: str):
    """Swagger UI's style sheet and script, from the installed package."""
    if name not in SWAGGER_ASSETS:
        abort(404)
    return send_from_directory(SWAGGER_DIST, name, max_age=86400)
