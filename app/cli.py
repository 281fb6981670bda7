"""Command line interface: ``lantai ingest|search|analyze|reindex|serve|demo``."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from config import Settings, SettingsError, load_settings

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def _print_json(data: object) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=None))


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    """Read files and folders into the catalog and the index."""
    from app.runtime import open_lantai

    paths = [Path(p) for p in args.paths]
    missing = [str(p) for p in paths if not p.exists()]
    lantai = open_lantai(settings)
    report = lantai.ingester.ingest([p for p in paths if p.exists()], archive=args.archive)
    for name in missing:
        from indexer.ingest import Problem

        report.errors.append(Problem(name, None, None, "no such file or folder"))
        report.failed += 1
    for problem in report.errors:
        print(f"lantai ingest: {problem}", file=sys.stderr)
    print(f"lantai ingest: {report.files} files, {report.added} added, {report.updated} updated, "
          f"{report.unchanged} unchanged, {report.failed} failed", file=sys.stderr)
    if args.json:
        _print_json(report.as_json())
    return 1 if report.failed or report.not_indexed else 0


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    """Search as the public, staff or a reviewer, printing text or JSON."""
    from app.runtime import open_lantai
    from catalog.policy import operator_audience
    from search.service import ParamError, parse_request

    lantai = open_lantai(settings)
    try:
        request = parse_request({"q": args.query, "size": str(args.size), "page": str(args.page)},
                                settings)
    except ParamError as error:
        print(f"lantai search: {error}", file=sys.stderr)
        return 2
    result = lantai.search.search(request, operator_audience(args.audience))
    if args.json:
        _print_json(result)
        return 0
    print(f"{result['total']} results")
    for hit in result["hits"]:
        print(f"{hit['id']}\t{hit['date']}\t{hit['title']}")
    return 0


def cmd_analyze(args: argparse.Namespace, settings: Settings) -> int:
    """Show how the analyzers see a text."""
    from analyzers import analyze

    if args.jsonl:
        for line in sys.stdin:
            _print_json(analyze(line.rstrip("\n")))
        return 0
    text = sys.stdin.read() if args.text in (None, "-") else args.text
    result = analyze(text)
    if args.json:
        _print_json(result)
    else:
        print(result["normalized"])
        print(" / ".join(result["tokens"]))
    return 0


def cmd_reindex(args: argparse.Namespace, settings: Settings) -> int:
    """Rebuild the search index from the catalog."""
    from app.runtime import open_lantai
    from indexer.ingest import reindex

    lantai = open_lantai(settings)
    count = reindex(lantai.store, lantai.backend)
    print(f"lantai reindex: {count} records indexed", file=sys.stderr)
    return 0


def _gunicorn(settings: Settings, host: str, port: int, workers: int) -> int:
    env = dict(os.environ, LANTAI_DATA_DIR=str(settings.data_dir.resolve()),
               LANTAI_BACKEND=settings.backend)
    argv = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind",
            f"{host}:{port}", "--access-logfile", "-", "app:create_app()"]
    os.execve(sys.executable, argv, env)
    return 0  # not reached


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    """Serve the web app and API with gunicorn."""
    from app.runtime import open_lantai

    open_lantai(settings).close()  # create the catalog and index before workers start
    return _gunicorn(settings, args.host or settings.host, args.port or settings.port,
                     args.workers)


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    """Ingest the sample records into a fresh data dir and serve them."""
    from app.runtime import open_lantai

    data_dir = Path(tempfile.mkdtemp(prefix="lantai-demo-"))
    demo = settings.with_overrides(data_dir=data_dir, database_url="", backend="sqlite")
    lantai = open_lantai(demo)
    samples = Path(args.samples)
    paths = [p for p in sorted(samples.iterdir()) if p.suffix in (".jsonl", ".csv")
             and not p.name.startswith("bad-")]
    report = lantai.ingester.ingest(paths)
    lantai.close()
    print(f"lantai demo: {report.added} sample records in {data_dir}", file=sys.stderr)
    print(f"lantai demo: open http://{args.host or demo.host}:{args.port or demo.port}/",
          file=sys.stderr)
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
    p.add_argument("--archive", help="archive id for rows that do not name one")
    p.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("search", help="search the index")
    p.add_argument("query")
    p.add_argument("--as", dest="audience", choices=("public", "staff", "reviewer"),
                   default="public")
    p.add_argument("--size", type=int, default=10)
    p.add_argument("--page", type=int, default=1)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("analyze", help="normalize, segment and tag a text")
    p.add_argument("text", nargs="?")
    p.add_argument("--json", action="store_true")
    p.add_argument("--jsonl", action="store_true", help="one text per input line, one JSON out")
    p.set_defaults(func=cmd_analyze)

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
    return args.func(args, settings)


if __name__ == "__main__":
    raise SystemExit(main())


def run() -> None:
    """Console-script wrapper: exit with :func:`main`'s status."""
    raise SystemExit(main())
