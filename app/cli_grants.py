"""``lantai grant``: access grants (查阅许可) from the command line, as staff give them.

``lantai grant add USER ARCHIVE/CODE... --until DATE --reason TEXT --by STAFF
[--unmask-personal --personal-reason TEXT] [--request REF]``, ``lantai grant revoke ID --by
STAFF`` and ``lantai grant list [--user NAME] [--archive ID] [--json]``. ``--by`` names the
staff, reviewer or admin account that grants: it must serve the records' archive, and the
audit log records it.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import Any

from app.cli_common import print_json, print_rows
from config import Settings


def cmd_grant(args: argparse.Namespace, settings: Settings) -> int:
    """Grant a researcher the full text of records until a date, revoke a grant, or list them."""
    from catalog.grants import GrantError
    from catalog.store import CatalogStore

    store = CatalogStore(settings.catalog_url)
    grants = store.grants()
    today = date.today()
    try:
        if args.action == "add":
            if len(args.items) < 2:
                raise GrantError("records", "'grant add' needs USER and at least one ARCHIVE/CODE")
            for flag in ("until", "reason", "by"):
                if not getattr(args, flag):
                    raise GrantError(flag, f"--{flag} is required")
            made = grants.grant(
                args.items[0],
                args.items[1:],
                args.until,
                args.reason,
                args.by,
                unmask_personal=args.unmask_personal,
                personal_reason=args.personal_reason,
                request_reference=args.request,
            )
            for grant in made:
                print(
                    f"grant {grant.id}: {grant.user} may read {grant.record_id} until {grant.until}",
                    file=sys.stderr,
                )
            if args.json:
                print_json([g.as_json(today) for g in made])
        elif args.action == "revoke":
            if len(args.items) != 1 or not args.items[0].isdigit() or not args.by:
                raise GrantError("grant", "'grant revoke' needs one grant id and --by STAFF")
            grant = grants.revoke(int(args.items[0]), args.by)
            print(f"grant {grant.id} revoked ({grant.user}, {grant.record_id})", file=sys.stderr)
        else:
            rows: list[dict[str, Any]] = [
                g.as_json(today)
                for g in grants.grants(user=args.user, archives=[args.archive] if args.archive else None)
            ]
            print_rows(rows, args.json, _grant_line)
    except GrantError as error:
        print(f"lantai grant: {error}", file=sys.stderr)
        return 2
    finally:
        store.close()
    return 0


def add_grant_commands(sub: Any) -> None:
    """Register ``grant`` on the ``lantai`` parser."""
    p = sub.add_parser("grant", help="access grants (查阅许可): add, revoke, list")
    p.add_argument("action", choices=("add", "revoke", "list"))
    p.add_argument("items", nargs="*", metavar="USER ARCHIVE/CODE... | GRANT_ID")
    p.add_argument("--until", help="add: the last day the grant holds, YYYY-MM-DD")
    p.add_argument("--reason", help="add: why the researcher may read them")
    p.add_argument("--by", help="the staff, reviewer or admin account that grants or revokes")
    p.add_argument("--unmask-personal", action="store_true", help="add: show personal data too")
    p.add_argument("--personal-reason", help="add: why personal data is shown (required with it)")
    p.add_argument("--request", help="add: reference of the 查档申请 it answers")
    p.add_argument("--user", help="list: only this researcher's grants")
    p.add_argument("--archive", help="list: only grants of this archive's records")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_grant)


def _grant_line(row: dict) -> tuple:
    state = "active" if row["active"] else ("revoked" if row["revoked_at"] else "ended")
    return (row["id"], row["user"], row["record_id"], row["until"], state, row["reason"])
