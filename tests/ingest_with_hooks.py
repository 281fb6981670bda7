"""``lantai ingest`` with test hooks, as a process of its own (tests/test_ingest_crash.py).

    python tests/ingest_with_hooks.py [--batch N] [--kill-after N --kill-at STAGE]
        [--flush-delay SECONDS] [--progress-interval SECONDS] -- INGEST-ARGUMENTS...

Runs the ingest command as ``lantai ingest INGEST-ARGUMENTS`` does, with batches of
``--batch`` records, SIGKILLing itself at a write stage (catalog, index or marked) once
``--kill-after`` records were written, sleeping ``--flush-delay`` seconds between the
catalog and the index write of each batch, and drawing progress every
``--progress-interval`` seconds.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time


def main(argv: list[str]) -> int:
    """Parse the hooks, then run the ingest command with them; its exit status."""
    from app.cli import build_parser, cmd_ingest
    from config import load_settings
    from indexer.progress import Progress
    from indexer.write import BATCH, STAGES, IngestHooks

    hooks_parser = argparse.ArgumentParser(prog="ingest_with_hooks")
    hooks_parser.add_argument("--batch", type=int, default=BATCH)
    hooks_parser.add_argument("--kill-after", type=int, default=0)
    hooks_parser.add_argument("--kill-at", choices=STAGES, default="catalog")
    hooks_parser.add_argument("--flush-delay", type=float, default=0.0)
    hooks_parser.add_argument("--progress-interval", type=float, default=None)
    split = argv.index("--") if "--" in argv else len(argv)
    given = hooks_parser.parse_args(argv[:split])
    args = build_parser().parse_args(["ingest", *argv[split + 1 :]])

    def at_stage(stage: str, written: int) -> None:
        if given.kill_after and written >= given.kill_after and stage == given.kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        if given.flush_delay and stage == "catalog":  # widen the catalog-to-index window
            time.sleep(given.flush_delay)

    hooks = IngestHooks(batch=given.batch, at_stage=at_stage)
    return cmd_ingest(args, load_settings(), hooks=hooks, progress=Progress(interval=given.progress_interval))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
