"""Who is asking: sessions for browsers, API tokens for scripts, CSRF and login throttling.

:func:`current_audience` is the one place a request's audience comes from; anything it
cannot resolve is the public (fail closed).
"""

from __future__ import annotations

import hmac
import secrets
from functools import wraps
from urllib.parse import unquote, urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from app import lantai_of
from catalog.policy import PUBLIC, Audience
from catalog.users import User

auth = Blueprint("auth", __name__)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
#: JSON endpoints anyone may call without a session (a form cannot send JSON across sites).
CSRF_FREE_JSON = ("/api/v1/requests",)


class InvalidToken(Exception):
    """An Authorization header with a token that belongs to no enabled user."""


def current_user() -> User | None:
    """The user of this request (bearer token first, then session), or None."""
    if "user" in g:
        return g.user
    user = None
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _space, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise InvalidToken
        user = lantai_of(current_app).users.user_for_token(token.strip())
        if user is None:
            raise InvalidToken
    elif session.get("user"):
        user = lantai_of(current_app).users.get(session["user"])
        if user is None or user.disabled:
            session.clear()
            user = None
    g.user = user
    return user


def current_audience() -> Audience:
    """The audience of this request; the public when nobody is signed in."""
    user = current_user()
    return user.audience if user else PUBLIC


def csrf_token() -> str:
    """The session's CSRF token, made on first use; every form carries it."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


#: Endpoints that read only, whatever the method (OAI-PMH harvesters may POST a request).
READ_ONLY_POSTS = frozenset({"oai.endpoint"})


def check_csrf() -> None:
    """Refuse a state-changing browser request without the session's CSRF token."""
    if request.method in SAFE_METHODS or request.headers.get("Authorization"):
        return
    if request.path in CSRF_FREE_JSON and request.is_json and not session.get("user"):
        return  # a script without a session: nothing of a signed-in browser to ride on
    if request.endpoint in READ_ONLY_POSTS:
        return
    # Forms send it as a field; scripts of a signed-in page (JSON) as the X-CSRF-Token header.
    sent = request.form.get("csrf_token", "") or request.headers.get("X-CSRF-Token", "")
    if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
        abort(400, description=_("表单已过期或并非来自本站，请重新加载页面。"))


def roles_required(*roles: str):
    """Decorator: the view needs a signed-in user with one of ``roles``."""

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = current_user()
            if user is None:
                return redirect(url_for("auth.login", next=request.path))
            if user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate


def safe_next(target: str) -> str | None:
    """``target`` when it is a path this app routes (the page to return to after sign-in),
    else None: no scheme, host, backslash, control character or ``//`` (browsers read
    ``/\\example.com`` and ``//example.com`` as other hosts), and a GET route must match."""
    if (
        not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or len(target) > 2000
        or any(ord(c) < 0x20 or c == "\x7f" for c in target)
    ):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    try:
        current_app.url_map.bind("localhost").match(unquote(parts.path), method="GET")
    except HTTPException:  # not found, wrong method, or a redirect elsewhere
        return None
    return target


@auth.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with name and password; failures are throttled per address and name."""
    error = None
    if request.method == "POST":
        name = request.form.get("name", "").strip()
        key = f"{request.remote_addr}|{name}"
        users = lantai_of(current_app).users
        if users.too_many_failures(key):
            return render_template("login.html", error=_("尝试次数过多，请五分钟后再试。")), 429
        user = users.authenticate(name, request.form.get("password", ""), source=request.remote_addr or "")
        if user is None:
            users.note_failure(key)
            error = _("用户名或密码不正确。")
        else:
            session.clear()
            session["user"] = user.name
            csrf_token()
            target = safe_next(request.args.get("next", ""))
            if target is None:
                target = url_for("staff.home") if user.role != "researcher" else "/"
            return redirect(target)
    return render_template("login.html", error=error), (401 if error else 200)


@auth.post("/logout")
def logout():
    """Sign out."""
    session.clear()
    return redirect(url_for("public.home"))
