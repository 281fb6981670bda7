"""``lantai requests purge|stats|notify``: requests to consult records (查档申请) from the
command line: remove old requesters' personal data, the year's figures, send the news."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

from app.cli_common import print_json
from config import Settings


def cmd_requests(args: argparse.Namespace, settings: Settings) -> int:
    """Run one ``requests`` action (see :func:`add_request_commands`)."""
    from app.runtime import open_lantai

    lantai = open_lantai(settings)
    try:
        if args.action == "purge":
            before = datetime.now(UTC) - timedelta(days=settings.request_retention_days)
            purged = lantai.store.requests().purge(before)
            print(
                f"{purged} requests purged of personal data (closed before {before.date()})", file=sys.stderr
            )
            return 0
        if args.action == "notify":
            from app.request_mail import send_request_mail

            summary = send_request_mail(lantai)
            print_json(summary)
            return 0 if not summary["waiting"] or not settings.smtp_url else 1
        from search.request_stats import request_figures

        figures = request_figures(lantai.store.requests(), args.year or datetime.now(UTC).year)
        if args.json:
            print_json(figures)
        else:
            _print_figures(figures)
        return 0
    finally:
        lantai.close()


def _print_figures(figures: dict) -> None:
    print(f"{figures['year']}: {figures['requests']} requests (利用人次)")
    print(f"{figures['records']} records named (查档件次)")
    median = figures["median_answer_days"]
    print(f"median answer time: {median if median is not None else '-'} days")
    for key in ("by_month", "by_kind", "by_source", "by_archive", "by_outcome"):
        print(f"{key[3:]}: " + ", ".join(f"{k} {n}" for k, n in figures[key].items()))


def add_request_commands(sub: Any) -> None:
    """Register ``requests`` on the ``lantai`` parser."""
    p = sub.add_parser("requests", help="requests to consult records: purge, stats, notify")
    p.add_argument("action", choices=("purge", "stats", "notify"))
    p.add_argument("--year", type=int, help="stats: the year (default: this year)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_requests)
