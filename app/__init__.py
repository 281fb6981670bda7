"""Flask application factory: ``create_app(settings)`` with one blueprint per audience."""

from __future__ import annotations

import os

# One BLAS thread a process, set before numpy loads: Lantai runs a process per core (ingest
# workers, gunicorn workers), and BLAS threads of the entity model's matrix products only
# compete for the same cores (two ingest-sized processes on 2 cores: 1.4 s of analysis each
# with one thread, 2.2-2.6 s with OpenBLAS's default).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import secrets
from pathlib import Path

from flask import Flask, abort, jsonify, render_template, request

from app.runtime import Lantai, open_lantai
from config import Settings, load_settings
from search.base import BackendUnavailable

NOT_FOUND = "not found"
#: The largest id a route takes (the catalog's ids are 32-bit integers on PostgreSQL).
MAX_ID = 2**31 - 1


def _secret_key(settings: Settings) -> str:
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.data_dir) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def create_app(settings: Settings | None = None) -> Flask:
    """Build the web app for ``settings`` (default: loaded from the environment)."""
    settings = settings or load_settings()
    lantai = open_lantai(settings)
    from analyzers.segment import query_tokens

    query_tokens("档案")  # load the segmenter's dictionaries now, not in the first search (1-3 s)
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=_secret_key(settings),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["lantai"] = lantai

    from app.api import api
    from app.auth import InvalidToken, auth, check_csrf, csrf_token, current_user
    from app.exhibition_pages import exhibitions
    from app.exhibition_staff import staff_exhibitions
    from app.findability import findability
    from app.fonds_pages import fonds_bp
    from app.grants_api import staff_grants
    from app.i18n import init_i18n
    from app.labels import KIND_TITLES, archive_label
    from app.oai import oai
    from app.openapi import openapi
    from app.opened import opened
    from app.public import public
    from app.record_view import file_size_label, record_view
    from app.requests_pages import requests_bp
    from app.research_pages import research
    from app.search_export import search_export
    from app.staff import staff
    from app.staff_requests import staff_requests
    from app.workspace_api import me_api

    init_i18n(app)
    app.register_blueprint(public)
    app.register_blueprint(fonds_bp)
    app.register_blueprint(auth)
    app.register_blueprint(staff, url_prefix="/staff")
    app.register_blueprint(api, url_prefix="/api/v1")
    app.register_blueprint(me_api, url_prefix="/api/v1/me")
    app.register_blueprint(staff_grants, url_prefix="/api/v1/staff/grants")
    app.register_blueprint(research)
    app.register_blueprint(search_export, url_prefix="/api/v1")
    app.register_blueprint(requests_bp)
    app.register_blueprint(staff_requests)
    app.register_blueprint(oai)
    app.register_blueprint(opened)
    app.register_blueprint(findability)
    app.register_blueprint(openapi)
    app.register_blueprint(exhibitions)
    app.register_blueprint(staff_exhibitions, url_prefix="/staff/exhibitions")
    # Template helpers of every audience (record.html is rendered by public and staff pages).
    app.jinja_env.globals.update(
        csrf_token=csrf_token,
        record_view=record_view,
        archive_label=archive_label,
        kind_titles=KIND_TITLES,
        file_size_label=file_size_label,
    )

    @app.url_value_preprocessor
    def ids_in_range(_endpoint, values):
        """An ``<int:...>`` id past :data:`MAX_ID` names nothing: 404 (the catalog's
        integers could not even hold it)."""
        if values and any(type(v) is int and v > MAX_ID for v in values.values()):
            abort(404)

    @app.before_request
    def identify():
        """Resolve the caller once per request, and guard every form against CSRF."""
        current_user()
        check_csrf()

    @app.errorhandler(InvalidToken)
    def invalid_token(_error):
        """A bearer token that belongs to nobody: 401, never a silent public view."""
        return jsonify(error="invalid or revoked API token"), 401, {"WWW-Authenticate": "Bearer"}

    @app.errorhandler(400)
    def bad_request(error):
        """A malformed request, e.g. a form without its CSRF token."""
        if request.path.startswith("/api/"):
            return jsonify(error=error.description), 400
        return render_template("error.html", message=error.description), 400

    @app.errorhandler(404)
    def not_found(_error):
        """One answer for missing and closed alike."""
        if request.path.startswith("/api/"):
            return jsonify(error=NOT_FOUND), 404
        return render_template("not_found.html"), 404

    @app.errorhandler(BackendUnavailable)
    def unavailable(error):
        """The search engine is down or slow: say so, without a stack trace."""
        message = "search is temporarily unavailable; please try again shortly"
        if request.path.startswith("/api/"):
            return jsonify(error=message), 503
        return render_template("error.html", message=message), 503

    @app.after_request
    def security_headers(response):
        """Headers every answer carries."""
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response

    return app


def lantai_of(app: Flask) -> Lantai:
    """The runtime an app was built with."""
    return app.extensions["lantai"]
