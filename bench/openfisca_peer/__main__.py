"""`python -m bench.openfisca_peer PANEL YEAR OUT.csv`: the OpenFisca peer as one whole process.

`python -m bench.openfisca_peer compare KECHUANG.csv PEER.csv` prints how many verdicts differ.
"""

from __future__ import annotations

import sys
from pathlib import Path

USAGE = (
    "usage: python -m bench.openfisca_peer PANEL YEAR OUT.csv\n"
    "       python -m bench.openfisca_peer compare KECHUANG.csv PEER.csv"
)


def main(argv: list[str]) -> None:
    if len(argv) == 3 and argv[0] == "compare":
        from bench.openfisca_peer.compare import compare, describe

        print(describe(compare(Path(argv[1]), Path(argv[2]))))
        return
    if len(argv) != 3 or not argv[1].isdigit():
        raise SystemExit(USAGE)
    from bench.openfisca_peer.run import run

    rows = run(Path(argv[0]), int(argv[1]), Path(argv[2]))
    print(f"wrote {rows:,} verdicts to {argv[2]}")


if __name__ == "__main__":
    main(sys.argv[1:])
