"""Staff commands of ``lantai``: accounts (``user``), API tokens (``token``), the opening
review (``review``: queue, status, decisions) and the audit log (``audit``)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from app.cli_common import print_json, print_rows
from config import Settings


def cmd_user(args: argparse.Namespace, settings: Settings) -> int:
    """Add, list or disable accounts, set the e-mail address their digests go to, or give
    or take the ``curator`` permission (authoring exhibitions)."""
    from app.runtime import open_lantai
    from catalog.users import UserError

    users = open_lantai(settings).users
    try:
        if args.action != "list" and not args.name:
            raise UserError(f"'user {args.action}' needs a user name")
        if args.action == "add":
            if not args.role:
                raise UserError("--role is required")
            password = os.environ.get("LANTAI_PASSWORD") or _ask_password()
            user = users.add(args.name, args.role, password, tuple(args.archive or ()), args.clearance)
            if args.email:
                user = users.set_email(user.name, args.email)
            print(f"user {user.name} added ({user.role})", file=sys.stderr)
        elif args.action == "email":
            if args.email is None:
                raise UserError("'user email' needs --email ADDRESS ('' removes it)")
            user = users.set_email(args.name, args.email)
            print(f"user {user.name}: digests {'to ' + user.email if user.email else 'off'}", file=sys.stderr)
        elif args.action in ("curator", "uncurator"):
            user = users.set_curator(args.name, args.action == "curator")
            print(f"user {user.name}: curator {'on' if user.curator else 'off'}", file=sys.stderr)
        elif args.action == "list":
            rows: list[dict[str, Any]] = [
                {
                    "name": u.name,
                    "role": u.role,
                    "archives": list(u.archives),
                    "clearance": u.clearance,
                    "disabled": u.disabled,
                    "email": u.email,
                    "curator": u.curator,
                }
                for u in users.list()
            ]
            print_rows(rows, args.json, _user_line)
        else:
            users.disable(args.name)
            print(f"user {args.name} disabled", file=sys.stderr)
    except UserError as error:
        print(f"lantai user: {error}", file=sys.stderr)
        return 2
    return 0


def _user_line(row: dict) -> tuple:
    state = "disabled" if row["disabled"] else "active"
    return (
        row["name"],
        row["role"],
        ",".join(row["archives"]),
        "clearance" if row["clearance"] else "",
        state,
    )


def _ask_password() -> str:
    import getpass

    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise SystemExit("lantai user: the passwords differ")
    return first


def cmd_token(args: argparse.Namespace, settings: Settings) -> int:
    """Print a new API token for a user."""
    from app.runtime import open_lantai
    from catalog.users import UserError

    try:
        print(open_lantai(settings).users.create_token(args.name))
    except UserError as error:
        print(f"lantai token: {error}", file=sys.stderr)
        return 2
    return 0


def cmd_review(args: argparse.Namespace, settings: Settings) -> int:
    """Opening review: ``queue``, ``status CODE...`` or a decision on one or more 档号."""
    from datetime import date

    from app.runtime import open_lantai
    from catalog.policy import operator_audience
    from catalog.review import ReviewError
    from catalog.users import UserError

    lantai = open_lantai(settings)
    items = list(args.items)
    audience = operator_audience("admin")
    if args.user:
        user = lantai.users.get(args.user)
        if user is None:
            print(f"lantai review: --user {args.user!r}: no such user", file=sys.stderr)
            return 2
        audience = user.audience
    if items and items[0] == "queue":
        queue = lantai.search.queue(
            audience,
            archive=args.archive,
            year=args.year,
            record_type=args.type,
            personal_data=args.pii,
            undated=args.undated,
        )
        rows = [
            {
                "id": i.record.id,
                "title": i.record.title,
                "date": i.record.date,
                "due": i.due.isoformat() if i.due else None,
                "why": i.why,
                "personal_data": list(i.personal_data),
            }
            for i in queue
        ]
        print_rows(rows, args.json, lambda r: (r["id"], r["due"] or "", r["why"], r["title"]))
        return 0
    if items and items[0] == "status":
        codes = items[1:]
        if args.file:
            codes += Path(args.file).read_text(encoding="utf-8").split()
        if not args.archive:
            print("lantai review status: --archive is required", file=sys.stderr)
            return 2
        report = lantai.search.status(args.archive, codes, audience)
        if args.json:
            print_json(report)
        else:
            for row in report:
                print(
                    f"{row['archive_code']}\t"
                    + (
                        "exists; needs clearance"
                        if row.get("needs_clearance")
                        else f"{row['access']}\t{row['due'] or ''}"
                        if row["found"]
                        else "unknown"
                    )
                )
        return 0
    missing = [
        name
        for name, value in (
            ("--archive", args.archive),
            ("--decision", args.decision),
            ("--reason", args.reason),
            ("--by", args.by),
        )
        if not value
    ]
    if not items or missing:
        print("lantai review: give ARCHIVE_CODE... and " + ", ".join(missing or ["codes"]), file=sys.stderr)
        return 2
    failed = 0
    for code in items:
        try:
            found = lantai.store.get(args.archive, code)
            if found is None:
                raise ReviewError(f"no record {args.archive}/{code}")
            lantai.users.decider(args.by, args.archive, found.classification != "none")
            record = lantai.decide(
                args.archive,
                code,
                args.decision,
                args.reason,
                args.by,
                unit_opinion=args.unit_opinion or "",
                next_review=date.fromisoformat(args.next_review) if args.next_review else None,
            )
            print(f"{record.id}: {record.access}", file=sys.stderr)
        except (ReviewError, UserError, ValueError) as error:
            print(f"lantai review: {args.archive}/{code}: {error}", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


def cmd_audit(args: argparse.Namespace, settings: Settings) -> int:
    """Verify or list the audit log."""
    from catalog.store import CatalogStore

    store = CatalogStore(settings.catalog_url)
    try:
        if args.action == "verify":
            checked, problem = store.verify_audit()
            if problem:
                print(f"lantai audit: entry {checked} {problem}", file=sys.stderr)
                return 1
            print(f"lantai audit: {checked} entries, chain intact", file=sys.stderr)
            return 0
        for entry in store.audit_entries(
            actor=args.actor, action=args.kind, subject=args.subject, limit=args.limit
        ):
            print_json(
                {
                    "seq": entry.seq,
                    "at": entry.at,
                    "actor": entry.actor,
                    "action": entry.action,
                    "subject": entry.subject,
                    "detail": entry.detail,
                }
            )
        return 0
    finally:
        store.close()


def cmd_digest(args: argparse.Namespace, settings: Settings) -> int:
    """Queue and send the e-mail digests of new hits of saved searches (see app.digests)."""
    from app.digests import send_digests
    from app.runtime import open_lantai

    lantai = open_lantai(settings)
    try:
        summary = send_digests(lantai)
    finally:
        lantai.close()
    print_json(summary)
    return 0 if not summary["waiting"] or not settings.smtp_url else 1


def add_staff_commands(sub: Any) -> None:
    """Register ``user``, ``token``, ``review``, ``audit`` and ``digest`` on the ``lantai`` parser."""
    p = sub.add_parser("user", help="add, list or disable accounts")
    # curator / uncurator: give or take the permission to author exhibitions (网上展览).
    p.add_argument("action", choices=("add", "list", "disable", "email", "curator", "uncurator"))
    p.add_argument("name", nargs="?")
    p.add_argument("--role", choices=("researcher", "staff", "reviewer", "admin"))
    p.add_argument("--archive", action="append", help="archive the user serves (repeat)")
    p.add_argument("--clearance", action="store_true", help="may see classified records")
    p.add_argument("--email", help="where digests of new hits go (add, email; '' removes it)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_user)

    p = sub.add_parser("token", help="API tokens")
    p.add_argument("action", choices=("create",))
    p.add_argument("name")
    p.set_defaults(func=cmd_token)

    p = sub.add_parser("review", help="opening review: queue, status, decisions")
    p.add_argument("items", nargs="*", metavar="ARCHIVE_CODE | queue | status CODE...")
    p.add_argument("--archive")
    p.add_argument("--decision", choices=("open", "catalog_only", "controlled"))
    p.add_argument("--reason")
    p.add_argument("--by")
    p.add_argument("--unit-opinion", help="opinion of the unit that created or transferred it")
    p.add_argument("--next-review", help="for controlled: YYYY-MM-DD")
    p.add_argument("--year", type=int)
    p.add_argument("--type")
    p.add_argument("--pii", action=argparse.BooleanOptionalAction, default=None)
    p.add_argument("--file", help="status: a file of 档号, one per line")
    p.add_argument(
        "--user",
        help="queue, status: answer as this user may see it (default: the operator, who sees everything)",
    )
    p.add_argument(
        "--undated",
        action="store_true",
        help="queue: unreviewed records without a date (the 25-year rule cannot be computed for them)",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_review)

    p = sub.add_parser("audit", help="verify or list the audit log")
    p.add_argument("action", choices=("verify", "list"))
    p.add_argument("--actor")
    p.add_argument("--action-kind", dest="kind")
    p.add_argument("--subject")
    p.add_argument("--limit", type=int, default=100)
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser("digest", help="send the e-mail digests of new hits of saved searches")
    p.set_defaults(func=cmd_digest)
