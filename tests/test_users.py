"""Accounts: roles, scrypt passwords, tokens, and the audience each user searches as."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from catalog import audit
from catalog.users import UserError, check_password, hash_password
from tests.conftest import cli_env

pytestmark = pytest.mark.both_catalogs  # the catalog on SQLite and on PostgreSQL

PASSWORD = "correct horse battery"


def test_passwords_are_salted_scrypt_hashes():
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    assert first != second and first.startswith("scrypt$") and PASSWORD not in first
    assert check_password(PASSWORD, first) and not check_password("wrong password", first)
    assert not check_password(PASSWORD, "garbage")


def test_add_authenticate_and_audience(lantai):
    lantai.users.add("li.wei", "staff", PASSWORD, ("fengxiang-county",))
    user = lantai.users.authenticate("li.wei", PASSWORD)
    assert user.audience.archives == frozenset({"fengxiang-county"})
    assert not user.audience.clearance
    assert lantai.users.authenticate("li.wei", "not the password") is None
    actions = [e.action for e in audit.entries(lantai.store.engine)]
    assert actions == ["login.failed", "login", "user.add"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("x", "staff", PASSWORD, ("a",)), "user name"),
        (("wang", "wizard", PASSWORD, ()), "role"),
        (("wang", "researcher", "short", ()), "10 characters"),
        (("wang", "staff", PASSWORD, ()), "--archive"),
    ],
)
def test_bad_accounts_are_refused(lantai, args, message):
    with pytest.raises(UserError, match=message):
        lantai.users.add(*args)


def test_disable_revokes_tokens_and_sign_in(lantai):
    lantai.users.add("zhao", "reviewer", PASSWORD, ("baoji-city",), clearance=True)
    token = lantai.users.create_token("zhao")
    assert lantai.users.user_for_token(token).name == "zhao"
    lantai.users.disable("zhao")
    assert lantai.users.user_for_token(token) is None
    assert lantai.users.authenticate("zhao", PASSWORD) is None
    assert lantai.users.get("zhao").audience.role == "public"


def test_unreadable_scope_fails_closed(lantai):
    from sqlalchemy import text

    lantai.users.add("qian", "staff", PASSWORD, ("baoji-city",))
    with lantai.store.engine.begin() as conn:
        conn.execute(text("UPDATE users SET archives = 'not json', role = 'superuser'"))
    audience = lantai.users.get("qian").audience
    assert audience.role == "public" and audience.archives == frozenset()


def test_throttling_counts_recent_failures(lantai):
    for _ in range(4):
        lantai.users.note_failure("127.0.0.1|li")
    assert not lantai.users.too_many_failures("127.0.0.1|li")
    lantai.users.note_failure("127.0.0.1|li")
    assert lantai.users.too_many_failures("127.0.0.1|li")
    assert not lantai.users.too_many_failures("127.0.0.1|other")


def test_cli_user_add_list_disable_and_token(settings):
    env = cli_env(settings, LANTAI_PASSWORD=PASSWORD)
    cli = str(Path(sys.executable).with_name("lantai"))

    def run(*args):
        return subprocess.run([cli, *args], env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)

    added = run(
        "user",
        "add",
        "sun",
        "--role",
        "staff",
        "--archive",
        "baoji-city",
        "--archive",
        "fengxiang-county",
        "--clearance",
    )
    assert added.returncode == 0, added.stderr
    listed = run("user", "list")
    assert "sun\tstaff\tbaoji-city,fengxiang-county\tclearance\tactive" in listed.stdout
    token = run("token", "create", "sun")
    assert token.returncode == 0 and token.stdout.startswith("lt_")
    assert run("user", "add", "sun", "--role", "staff", "--archive", "x").returncode == 2
    assert run("user", "disable", "sun").returncode == 0
    assert "disabled" in run("user", "list").stdout
