"""A full OAI-PMH harvest (元数据收割) of N records: time and peak memory.

A catalog of ``--records`` records (8 in 10 open, 1 目录开放, 1 unreviewed, in two archives
and a few fonds and types) is built in a child process; then, in a fresh process, the web app
answers a whole ``ListRecords`` harvest of it (``oai_dc``), one page of ``--page-size``
records per request, followed by resumption token to the end, each answer parsed as a
harvester would. The harvest's wall time, records/s and the process's peak resident memory
before and after it are printed and written as a section of ``docs/benchmarks.md``::

    .venv/bin/python bench/harvest.py --records 100000
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.machine import describe, machine  # noqa: E402
from bench.report import write_section  # noqa: E402
from indexer.progress import peak_rss_mb  # noqa: E402

DOC = REPO / "docs" / "benchmarks.md"
BEGIN, END = "<!-- bench/harvest.py: begin -->", "<!-- bench/harvest.py: end -->"
OAI = "{http://www.openarchives.org/OAI/2.0/}"


def build(data_dir: Path, count: int) -> None:
    """Write ``count`` records straight into a new catalog (no index: /oai reads the catalog)."""
    from catalog.records import Record
    from catalog.store import CatalogStore
    from config import load_settings

    settings = load_settings(env={}, data_dir=str(data_dir))
    data_dir.mkdir(parents=True, exist_ok=True)
    store = CatalogStore(settings.catalog_url)
    access = ["open"] * 8 + ["catalog_only", "unreviewed"]
    batch = []
    for n in range(count):
        batch.append(
            Record(
                archive=("baoji-city", "fx-county")[n % 2],
                archive_code=f"J{n % 7:03d}-{n // 1000:03d}-{n:07d}",
                title=f"关于第{n}号土地改革工作情况的报告",
                fonds=f"J{n % 7:03d}",
                creator="宝鸡市人民政府",
                date=f"{1950 + n % 40}-0{1 + n % 9}",
                record_type=("文书", "照片", "红色档案")[n % 3],
                access=access[n % 10],
                subjects=("土地改革", "农业"),
                description="全市土地改革工作全面展开，各县成立农民协会。" * 2,
                text="正文" * 200,
            )
        )
        if len(batch) == 5000:
            store.upsert(batch)
            batch = []
    if batch:
        store.upsert(batch)
    store.close()


def harvest(data_dir: Path, page_size: int) -> dict:
    """Harvest everything with ListRecords through the web app; time and memory."""
    from lxml import etree

    from app import create_app, lantai_of
    from config import load_settings

    app = create_app(load_settings(env={}, data_dir=str(data_dir), oai_page_size=page_size))
    client = app.test_client()
    before = peak_rss_mb()
    args = {"verb": "ListRecords", "metadataPrefix": "oai_dc"}
    records = deleted = requests = 0
    started = time.perf_counter()
    while True:
        response = client.get("/oai", query_string=args)
        tree = etree.fromstring(response.data)
        response.close()
        requests += 1
        for header in tree.iter(f"{OAI}header"):
            records += 1
            deleted += header.get("status") == "deleted"
        token = tree.find(f".//{OAI}resumptionToken")
        if token is None or not token.text:
            break
        args = {"verb": "ListRecords", "resumptionToken": token.text}
    seconds = time.perf_counter() - started
    lantai_of(app).close()
    return {
        "records": records,
        "deleted": deleted,
        "requests": requests,
        "seconds": round(seconds, 1),
        "per_second": round(records / seconds),
        "peak_before_mb": round(before),
        "peak_after_mb": round(peak_rss_mb()),
    }


def main() -> None:
    """Build (in a child process), harvest (here), report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--build-only", metavar="DIR", help=argparse.SUPPRESS)
    parser.add_argument("--harvest-only", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build_only:
        build(Path(args.build_only), args.records)
        return
    if args.harvest_only:
        print(json.dumps(harvest(Path(args.harvest_only), args.page_size)))
        return
    with tempfile.TemporaryDirectory(prefix="lantai-harvest-") as folder:
        data = Path(folder) / "data"
        started = time.perf_counter()
        me = [sys.executable, __file__, "--records", str(args.records), "--page-size", str(args.page_size)]
        subprocess.run([*me, "--build-only", str(data)], check=True)
        built = time.perf_counter() - started
        done = subprocess.run([*me, "--harvest-only", str(data)], check=True, capture_output=True, text=True)
        result = json.loads(done.stdout.strip().splitlines()[-1])
    print(json.dumps({**result, "build_seconds": round(built)}, indent=1))
    public = args.records - args.records // 10
    section = f"""{BEGIN}
## OAI-PMH: a full harvest of {args.records:,} records (`bench/harvest.py`)

{date.today().isoformat()}, {describe(machine())}; SQLite catalog.
`.venv/bin/python bench/harvest.py --records {args.records} --page-size {args.page_size}`

A catalog of {args.records:,} records ({public:,} public: 8 in 10 open, 1 目录开放; 1 in 10
unreviewed, never listed) harvested whole with `ListRecords` (`oai_dc`) through the web app,
{args.page_size} records per answer (`oai_page_size`), following resumption tokens to the end;
each answer parsed with lxml as a harvester would.

| records listed | answers | harvest time | records/s | peak memory before | peak memory after |
| ---: | ---: | ---: | ---: | ---: | ---: |
| {result["records"]:,} | {result["requests"]:,} | {result["seconds"]} s | {result["per_second"]:,} | \
{result["peak_before_mb"]} MB | {result["peak_after_mb"]} MB |

Memory is that of the harvesting process (the app and its client in one): it stays that of one
page, since each answer reads one page of the public-view history by its (datestamp, archive,
档号) position and only that page's records.
{END}"""
    write_section(DOC, BEGIN, END, section)


if __name__ == "__main__":
    main()
