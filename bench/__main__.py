"""`python -m bench [--area NAME]`: run the benchmark areas, print one line per figure and
write them all to bench/results/latest.json. Targets are reported, never asserted."""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import traceback

from bench import AREAS
from bench.common import RESULTS, write_results


def _stop_on_term(signum, frame):
    # Turn a TERM into an exception so every area's `finally` stops what it started.
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--area", choices=sorted(AREAS), action="append", help="run only this area (repeatable)")
    args = parser.parse_args(argv)
    areas = args.area or list(AREAS)
    signal.signal(signal.SIGTERM, _stop_on_term)
    errors: dict[str, str] = {}
    try:
        for area in areas:
            try:
                importlib.import_module(AREAS[area]).run()
            except Exception as exc:  # one broken area must not hide the others' figures
                traceback.print_exc()
                errors[area] = f"{type(exc).__name__}: {exc}"
                print(f"bench: area {area} failed: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}", file=sys.stderr, flush=True)
            except (KeyboardInterrupt, SystemExit):
                errors[area] = "interrupted"
                print(f"bench: area {area} interrupted", file=sys.stderr, flush=True)
                raise
    finally:
        path = write_results(areas, errors)
        print(f"{len(RESULTS)} figures written to {path.relative_to(path.parents[2])}", flush=True)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
