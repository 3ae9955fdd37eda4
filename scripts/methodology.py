"""Write the worked examples of docs/methodology.md from the current demo and the simulation.

    .venv/bin/python scripts/methodology.py

Makes the demo data (seed 2016, scale 1: what `make report` makes) in a temporary folder, computes
every block of tests/methodology_blocks.py and writes them between their markers. The test
tests/test_methodology.py fails when the document holds another text.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rusmiddel_analysis.config.strategy import load_strategy  # noqa: E402
from rusmiddel_analysis.ingest.demo import write_demo_data  # noqa: E402
from rusmiddel_analysis.ingest.process import process  # noqa: E402
from tests.methodology_blocks import blocks, render  # noqa: E402

DOC = ROOT / "docs" / "methodology.md"


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        write_demo_data(Path(tmp) / "raw", seed=2016)
        process(Path(tmp) / "raw", Path(tmp) / "processed", load_strategy())
        DOC.write_text(render(DOC.read_text(encoding="utf-8"), blocks(Path(tmp) / "processed")), encoding="utf-8")
    print(f"{DOC.relative_to(ROOT)}: worked examples written")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
