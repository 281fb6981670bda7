"""Flask application factory: ``create_app(settings)`` with one blueprint per audience."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import Flask, jsonify, render_template, request

from app.runtime import Lantai, open_lantai
from config import Settings, load_settings
from search.base import BackendUnavailable

NOT_FOUND = "not found"


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
    app = Flask(__name__)
    app.config.update(SECRET_KEY=_secret_key(settings), JSON_AS_ASCII=False)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["lantai"] = lantai

    from app.api import api
    from app.public import public

    app.register_blueprint(public)
    app.register_blueprint(api, url_prefix="/api/v1")

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
