"""docs/methodology.md's worked examples are the current demo's and the simulation's numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from .methodology_blocks import blocks, render

DOC = Path(__file__).resolve().parents[1] / "docs" / "methodology.md"


@pytest.mark.slow
def test_every_worked_example_is_current(demo_dirs):
    """Each generated block (the demo's verdicts, design, follow-up, watch and differencing, and the
    simulation's table) equals what the current code computes; `python scripts/methodology.py`
    rewrites them (`make docs`) when the code changes a number on purpose."""
    document = DOC.read_text(encoding="utf-8")
    _, processed = demo_dirs
    assert render(document, blocks(processed)) == document
