"""``lantai fonds``: fonds descriptions (全宗介绍) from the command line.

``lantai fonds import FILE... [--archive ID] --by NAME`` reads UTF-8 CSV files (see
:mod:`catalog.fonds` for the columns) into the catalog, replacing the descriptions of the
same fonds; ``lantai fonds list [--archive ID] [--json]`` prints them. They are shown on
the fonds pages (``/fonds/<archive>/<fonds>``) at once: no reindex is needed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from app.cli_common import print_rows
from config import Settings


def cmd_fonds(args: argparse.Namespace, settings: Settings) -> int:
    """Import fonds descriptions (全宗介绍) from CSV files, or list them."""
    from catalog.fonds import FondsError, read_fonds_csv
    from catalog.store import CatalogStore

    settings.data_dir.mkdir(parents=True, exist_ok=True)  # a first command may find none
    store = CatalogStore(settings.catalog_url)
    try:
        if args.action == "import":
            if not args.files or not args.by:
                raise FondsError("'fonds import' needs at least one FILE and --by NAME")
            for name in args.files:
                try:
                    text = Path(name).read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError) as exc:
                    raise FondsError(f"{name}: cannot be read as UTF-8 text ({exc})") from None
                try:
                    described = read_fonds_csv(text, args.archive or "")
                except FondsError as exc:
                    raise FondsError(f"{name}: {exc}") from None
                count = store.fonds().save(described, args.by, source=Path(name).name)
                print(f"{name}: {count} fonds described", file=sys.stderr)
        else:
            archives = [args.archive] if args.archive else sorted(store.archives_held())
            rows: list[dict[str, Any]] = [
                d.as_json() for archive in archives for d in store.fonds().of_archive(archive).values()
            ]
            print_rows(rows, args.json, lambda r: (r["archive"], r["fonds"], r["name"], r["years"]))
    except FondsError as error:
        print(f"lantai fonds: {error}", file=sys.stderr)
        return 2
    finally:
        store.close()
    return 0


def add_fonds_commands(sub: Any) -> None:
    """Register ``fonds`` on the ``lantai`` parser."""
    p = sub.add_parser("fonds", help="fonds descriptions (全宗介绍): import, list")
    p.add_argument("action", choices=("import", "list"))
    p.add_argument("files", nargs="*", metavar="FILE", help="import: CSV files of fonds descriptions")
    p.add_argument("--archive", help="import: archive id for rows without one; list: only this archive")
    p.add_argument("--by", help="import: who imports (for the audit log)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_fonds)
