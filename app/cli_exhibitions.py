"""``lantai exhibition``: online exhibitions (网上展览) as folders, from the command line.

``lantai exhibition export SLUG DIR`` writes ``DIR/exhibition.toml`` and its cover image;
``lantai exhibition import DIR [--replace] [--by NAME]`` reads such a folder, checks every
field and that the catalog holds every record named, and stores it (replacing one of the
same slug only with ``--replace``); ``lantai exhibition list [--json]`` lists them all,
drafts included. An error names the field and stores nothing (exit status 2).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from app.cli_common import print_rows
from config import Settings


def cmd_exhibition(args: argparse.Namespace, settings: Settings) -> int:
    """Export, import or list online exhibitions."""
    from app.exhibition_files import read_folder, write_folder
    from catalog.exhibition_spec import ExhibitionError
    from catalog.store import CatalogStore

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = CatalogStore(settings.catalog_url)
    exhibitions = store.exhibitions()
    try:
        if args.action == "export":
            if len(args.paths) != 2:
                raise ExhibitionError("'exhibition export' needs SLUG and DIR")
            slug, folder = args.paths
            found = exhibitions.get(slug)
            if found is None:
                raise ExhibitionError(f"slug: no exhibition {slug!r}")
            written = write_folder(found, exhibitions.cover(slug), Path(folder))
            print(f"exhibition {slug} written to {written}", file=sys.stderr)
        elif args.action == "import":
            if len(args.paths) != 1:
                raise ExhibitionError("'exhibition import' needs DIR")
            spec, cover = read_folder(Path(args.paths[0]), store)
            stored = exhibitions.create(spec, args.by, cover=cover, replace=args.replace)
            items = sum(len(s.items) for s in stored.sections)
            state = "published" if stored.published else "draft"
            sections = len(stored.sections)
            print(
                f"exhibition {stored.slug} imported ({state}): {sections} sections, {items} items",
                file=sys.stderr,
            )
        else:
            rows: list[dict[str, Any]] = [
                {"slug": e.slug, "title": e.title, "published": e.published, "published_at": e.published_at}
                for e in exhibitions.listing(published_only=False)
            ]
            print_rows(
                rows, args.json, lambda r: (r["slug"], "published" if r["published"] else "draft", r["title"])
            )
    except ExhibitionError as error:
        print(f"lantai exhibition: {error}", file=sys.stderr)
        return 2
    finally:
        store.close()
    return 0


def add_exhibition_commands(sub: Any) -> None:
    """Register ``exhibition`` on the ``lantai`` parser."""
    p = sub.add_parser("exhibition", help="online exhibitions (网上展览): export, import, list")
    p.add_argument("action", choices=("export", "import", "list"))
    p.add_argument("paths", nargs="*", metavar="SLUG DIR | DIR", help="export: SLUG DIR; import: DIR")
    p.add_argument("--replace", action="store_true", help="import: replace an exhibition of the same slug")
    p.add_argument("--by", default="cli", help="import: who imports (for the audit log)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_exhibition)
