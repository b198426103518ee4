"""`python -m bench [SUITE ...] [--size N]`: run benchmark suites (default: all, small sizes).

Each suite is a module bench/<suite>.py with `run(size: int) -> list[Measurement]` and a
TITLE; `make bench BENCH_ARGS="import --size 1000000"` measures the issue's full size.
"""

from __future__ import annotations

import argparse
import importlib

from bench.harness import compile_sources, report

SUITES = (
    "generate",
    "import_panel",
    "screen",
    "runs",
    "web",
    "transfer",
    "finance",
    "scale",
    "report",
    "workbench",
)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("suites", nargs="*", default=list(SUITES), choices=[*SUITES, []])
    parser.add_argument("--size", type=int, default=100_000, help="enterprises (default 100000)")
    args = parser.parse_args()
    compile_sources()
    for suite in args.suites or SUITES:
        module = importlib.import_module(f"bench.{suite}")
        report(module.TITLE, module.run(args.size))


if __name__ == "__main__":
    main()
