"""Command line interface: ``lantai ingest|search|analyze|reindex|serve|demo|db|train-ner``;
the staff commands (``user``, ``token``, ``review``, ``audit``) are in :mod:`app.cli_staff`."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from app.cli_common import print_json
from app.cli_exhibitions import add_exhibition_commands
from app.cli_fonds import add_fonds_commands
from app.cli_grants import add_grant_commands
from app.cli_requests import add_request_commands
from app.cli_staff import add_staff_commands
from config import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from indexer.report import ProgressCallback
    from indexer.write import IngestHooks

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def cmd_ingest(
    args: argparse.Namespace,
    settings: Settings,
    *,
    hooks: IngestHooks | None = None,
    progress: ProgressCallback | None = None,
) -> int:
    """Read catalog exports and page files (folders are walked) into the catalog and the index.

    ``hooks`` and ``progress`` replace the defaults (tests' seams, the stderr progress)."""
    from app.runtime import open_lantai
    from catalog.maintenance import IndexRebuilding
    from indexer.page_types import FileOptions
    from indexer.progress import Progress

    if args.dry_run and not args.sync:
        print(
            "lantai ingest: --dry-run goes with --sync (it lists what --sync would remove)", file=sys.stderr
        )
        return 2
    options = FileOptions(ocr=not args.no_ocr, max_text_bytes=int(args.max_text_mb * 1024 * 1024))
    lantai = open_lantai(settings)
    try:
        report = lantai.ingester.ingest(
            [Path(p) for p in args.paths],
            archive=args.archive,
            sync=args.sync,
            dry_run=args.dry_run,
            workers=args.workers,
            options=options,
            entities=args.entities,
            progress=None if args.quiet else progress or Progress(),
            hooks=hooks,
        )
    except IndexRebuilding as error:
        print(f"lantai ingest: {error}; records written before this are kept", file=sys.stderr)
        return 1
    finally:
        lantai.close()
    for problem in report.errors:
        print(f"lantai ingest: {problem}", file=sys.stderr)
    for orphan in report.orphans:
        print(
            f"lantai ingest: {', '.join(orphan['files'])}: no record {orphan['id']}; "
            "made one from the file (status unreviewed)",
            file=sys.stderr,
        )
    if report.needs_ocr:
        print(
            f"lantai ingest: {report.needs_ocr} pages in {len(report.needs_ocr_files)} files need OCR "
            "(Tesseract with chi_sim/chi_tra: scripts/ensure-packages ocr); they are read on the next "
            "run once it is installed",
            file=sys.stderr,
        )
    verb = "would remove" if report.dry_run else "removed"
    for record_id in report.removed:
        print(f"lantai ingest: {verb} {record_id} (its source is gone)", file=sys.stderr)
    for path in report.detached:
        print(
            f"lantai ingest: {'would detach' if report.dry_run else 'detached'} {path} (deleted)",
            file=sys.stderr,
        )
    filled = f", {report.entities_added} given entities" if report.entities_added else ""
    print(
        f"lantai ingest: {report.files} files, {report.added} added, {report.updated} updated, "
        f"{report.unchanged} unchanged{filled}, {report.failed} failed, {report.pages} pages "
        f"({report.low_quality_pages} low quality), {report.needs_ocr} need OCR, "
        f"{len(report.removed)} {verb}, {report.seconds:.1f} s",
        file=sys.stderr,
    )
    if args.json:
        print_json(report.as_json())
    return 1 if report.failed or report.not_indexed else 0


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    """Search as the public, staff or a reviewer, printing text or JSON."""
    from app.runtime import open_lantai
    from catalog.policy import operator_audience
    from search.did_you_mean import with_did_you_mean
    from search.params import ParamError, parse_request

    lantai = open_lantai(settings)
    try:
        request = parse_request(
            {"q": args.query, "size": str(args.size), "page": str(args.page), "archive": args.archive or ""},
            settings,
        )
        result = with_did_you_mean(
            lantai.search.search(request, operator_audience(args.audience)), lantai.search, request
        )
    except ParamError as error:
        print(f"lantai search: {error}", file=sys.stderr)
        return 2
    finally:
        lantai.close()
    if args.json:
        print_json(result)
        return 0
    print(f"{result['total']} results")
    if result["did_you_mean"]:
        print(f"did you mean: {result['did_you_mean']['query']} ({result['did_you_mean']['total']} found)")
    for hit in result["hits"]:
        print(f"{hit['id']}\t{hit['date']}\t{hit['title']}")
    return 0


def cmd_analyze(args: argparse.Namespace, settings: Settings) -> int:
    """Show how the analyzers see a text."""
    from analyzers import analyze

    if args.jsonl:
        for line in sys.stdin:
            print_json(analyze(line.rstrip("\n")))
        return 0
    text = sys.stdin.read() if args.text in (None, "-") else args.text
    result = analyze(text)
    if args.json:
        print_json(result)
    else:
        print(result["normalized"])
        print(" / ".join(result["tokens"]))
    return 0


def cmd_train_ner(args: argparse.Namespace, settings: Settings) -> int:
    """Train the entity model from the labelled corpus (prints time and held-out scores)."""
    from analyzers.entities.train import train_ner_command

    return train_ner_command(Path(args.corpus), Path(args.output))


def cmd_reindex(args: argparse.Namespace, settings: Settings) -> int:
    """Rebuild the search index from the catalog."""
    from app.runtime import open_lantai
    from catalog.maintenance import IndexRebuilding
    from indexer.progress import RebuildProgress
    from search.base import BackendUnavailable

    lantai = open_lantai(settings)
    try:
        count = lantai.reindex(RebuildProgress())
    except BackendUnavailable as error:  # the old index (if any) is untouched
        print(f"lantai reindex: {error}; nothing was changed, try again", file=sys.stderr)
        return 1
    except IndexRebuilding as error:
        print(f"lantai reindex: {error}; nothing was changed", file=sys.stderr)
        return 1
    finally:
        lantai.close()
    print(f"lantai reindex: {count} records indexed", file=sys.stderr)
    return 0


def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    """Bring the catalog's schema to this version's newest revision (``lantai db upgrade``)."""
    from catalog.migrate import upgrade_catalog

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    before, after = upgrade_catalog(settings.catalog_url)
    if before == after:
        print(f"lantai db: the catalog is at revision {after}, the newest; nothing to do", file=sys.stderr)
    else:
        print(
            f"lantai db: the catalog was upgraded from revision {before or '(none)'} to {after}",
            file=sys.stderr,
        )
    return 0


def _gunicorn(settings: Settings, host: str, port: int, workers: int) -> int:
    env = dict(os.environ, LANTAI_DATA_DIR=str(settings.data_dir.resolve()), LANTAI_BACKEND=settings.backend)
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--bind",
        f"{host}:{port}",
        "--access-logfile",
        "-",
        "app:create_app()",
    ]
    os.execve(sys.executable, argv, env)
    return 0  # not reached


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    """Serve the web app and API with gunicorn."""
    from app.runtime import open_lantai

    open_lantai(settings).close()  # create the catalog and index before workers start
    return _gunicorn(settings, args.host or settings.host, args.port or settings.port, args.workers)


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    """Ingest the sample records into a fresh data dir and serve them."""
    from app.runtime import open_lantai

    data_dir = Path(tempfile.mkdtemp(prefix="lantai-demo-"))
    demo = settings.with_overrides(data_dir=data_dir, database_url="", backend="sqlite")
    lantai = open_lantai(demo)
    samples = Path(args.samples)
    paths = [
        p
        for p in sorted(samples.iterdir())
        if p.suffix in (".jsonl", ".csv") and not p.name.startswith("bad-")
    ]
    report = lantai.ingester.ingest(paths)
    lantai.close()
    print(f"lantai demo: {report.added} sample records in {data_dir}", file=sys.stderr)
    print(f"lantai demo: open http://{args.host or demo.host}:{args.port or demo.port}/", file=sys.stderr)
    if args.no_serve:
        shutil.rmtree(data_dir) if args.cleanup else None
        return 0
    return _gunicorn(demo, args.host or demo.host, args.port or demo.port, args.workers)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``lantai``."""
    parser = argparse.ArgumentParser(prog="lantai", description="Lantai (兰台) archive search")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="read catalog exports and files into the catalog and index")
    p.add_argument("paths", nargs="+")
    p.add_argument("--archive", help="archive id for rows and files that do not name one")
    p.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    p.add_argument(
        "--sync", action="store_true", help="also remove records whose sources under PATH are gone"
    )
    p.add_argument("--dry-run", action="store_true", help="with --sync: only list what would go")
    p.add_argument("--workers", type=int, help="worker processes (default: one per core)")
    p.add_argument("--no-ocr", action="store_true", help="do not OCR scans; count them as needing OCR")
    p.add_argument(
        "--max-text-mb", type=float, default=64.0, help="refuse text files larger than this (default 64)"
    )
    p.add_argument(
        "--entities",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="extract persons, places and organizations (the entity facets); "
        "default: the ingest_entities setting (on); --no-entities is faster",
    )
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("search", help="search the index")
    p.add_argument("query")
    p.add_argument("--as", dest="audience", choices=("public", "staff", "reviewer"), default="public")
    p.add_argument("--size", type=int, default=10)
    p.add_argument("--page", type=int, default=1)
    p.add_argument("--archive", help="only this archive's records")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("analyze", help="normalize, segment and tag a text")
    p.add_argument("text", nargs="?")
    p.add_argument("--json", action="store_true")
    p.add_argument("--jsonl", action="store_true", help="one text per input line, one JSON out")
    p.set_defaults(func=cmd_analyze)
    add_staff_commands(sub)
    add_grant_commands(sub)
    add_fonds_commands(sub)
    add_exhibition_commands(sub)
    add_request_commands(sub)

    p = sub.add_parser("train-ner", help="train the entity model from the labelled corpus")
    p.add_argument(
        "--corpus",
        default=str(Path(__file__).resolve().parents[2] / "shared" / "corpus"),
        help="folder of the labelled corpus (default: ../shared/corpus)",
    )
    p.add_argument(
        "--output",
        default=str(Path(__file__).resolve().parents[1] / "analyzers" / "entities" / "model"),
        help="where the model goes",
    )
    p.set_defaults(func=cmd_train_ner)

    p = sub.add_parser("db", help="the catalog's schema: `lantai db upgrade`")
    p.add_argument("action", choices=["upgrade"])
    p.set_defaults(func=cmd_db)

    p = sub.add_parser("reindex", help="rebuild the search index from the catalog")
    p.set_defaults(func=cmd_reindex)

    for name, func in (("serve", cmd_serve), ("demo", cmd_demo)):
        p = sub.add_parser(name, help=func.__doc__)
        p.add_argument("--host")
        p.add_argument("--port", type=int)
        p.add_argument("--workers", type=int, default=2)
        p.set_defaults(func=func)
    p.add_argument("--samples", default=str(SAMPLES))
    p.add_argument("--no-serve", action="store_true", help="ingest only, do not serve")
    p.add_argument("--cleanup", action="store_true", help="with --no-serve: remove the data dir")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``lantai`` console script."""
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"lantai: {error}", file=sys.stderr)
        return 2
    from catalog.migrate import CatalogTooNew

    try:
        return args.func(args, settings)
    except CatalogTooNew as error:
        print(f"lantai: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())


def run() -> None:
    """Console-script wrapper: exit with :func:`main`'s status."""
    raise SystemExit(main())
