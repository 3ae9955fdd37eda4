"""Faults an analyst's laptop or a shared server will see: each gives a clear message and loses nothing."""

from __future__ import annotations

import errno
import os

import pytest

from rusmiddel_analysis.cli import main
from rusmiddel_analysis.config import files
from rusmiddel_analysis.present.status_report import StatusReport
from rusmiddel_analysis.publish import front
from rusmiddel_analysis.publish import run as runs

from .conftest import target_entry, write_strategy_variant


def common(demo_dirs, outputs, status=None):
    raw, processed = demo_dirs
    return ["--processed", str(processed), "--status", str(status or raw / "status"), "--outputs", str(outputs)]


def test_write_atomically_leaves_the_old_file_when_the_disk_is_full(tmp_path, monkeypatch):
    target = tmp_path / "page.html"
    target.write_text("the good page")

    def full(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device", str(dst))

    monkeypatch.setattr(files.os, "replace", full)
    with pytest.raises(OSError):
        files.write_atomically(target, "<html>new</html>")
    assert target.read_text() == "the good page"
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]  # no temporary file left behind


@pytest.mark.slow
@pytest.mark.parametrize("code, words", [(errno.ENOSPC, "No space left on device"), (errno.EROFS, "Read-only file system")])
def test_full_or_read_only_outputs_fail_clearly_and_keep_the_previous_page(demo_dirs, tmp_path, monkeypatch, capsys, code, words):
    outputs = tmp_path / "outputs"
    args = ["report", "--year", "2017", "--target", "skole_alkohol", *common(demo_dirs, outputs)]
    assert main(args) == 0
    page = outputs / "2017" / "skole_alkohol.html"
    before = page.read_bytes()
    real = runs.write_atomically

    def failing(path, content):
        if path.suffix in (".html", ".ipynb"):
            raise OSError(code, os.strerror(code), str(path))
        return real(path, content)

    monkeypatch.setattr(runs, "write_atomically", failing)
    capsys.readouterr()
    assert main(args + ["--force"]) == 1
    err = capsys.readouterr().err
    assert f"target skole_alkohol, 2017: cannot write to {outputs}: {words}; the previous page was kept" in err
    assert page.read_bytes() == before


@pytest.mark.slow
def test_front_page_that_cannot_be_written_gives_one_line(demo_dirs, tmp_path, monkeypatch, capsys):
    outputs = tmp_path / "outputs"

    def refuse(path, content):
        raise OSError(errno.EROFS, "Read-only file system", str(path))

    monkeypatch.setattr(front, "write_atomically", refuse)  # the pages are written; the front page is not
    assert main(["report", "--year", "2017", "--target", "skole_alkohol", *common(demo_dirs, outputs)]) == 1
    err = capsys.readouterr().err
    assert "cannot write" in err and "Read-only file system" in err and "Traceback" not in err


def test_empty_status_file_is_said_plainly(demo_dirs, tmp_path):
    _, processed = demo_dirs
    (tmp_path / "2017.md").write_text("\n\n", encoding="utf-8")
    page = StatusReport(2017, processed_dir=processed, status_dir=tmp_path).by_focus_area()
    assert "Forvaltningens kvalitative status for 2017 er tom." in page
    missing = StatusReport(2018, processed_dir=processed, status_dir=tmp_path).by_focus_area()
    assert "Forvaltningen har ikke skrevet en kvalitativ status for 2018." in missing


def test_status_file_with_an_unknown_heading_stops_before_anything_runs(demo_dirs, tmp_path, capsys):
    (tmp_path / "status").mkdir()
    (tmp_path / "status" / "2017.md").write_text("# Unge i folkeskolen\nok\n# Ældreplejen\nnej\n", encoding="utf-8")
    outputs = tmp_path / "outputs"
    assert main(["report", "--year", "2017", *common(demo_dirs, outputs, tmp_path / "status")]) == 2
    err = capsys.readouterr().err
    assert "2017.md, line 3: unknown heading 'Ældreplejen'; valid headings:" in err
    assert not list(outputs.rglob("*.html"))


def test_missing_kernel_gives_the_fix(demo_dirs, tmp_path, monkeypatch, capsys):
    from jupyter_client import kernelspec

    monkeypatch.setattr(kernelspec.KernelSpecManager, "find_kernel_specs", lambda self: {})
    assert main(["report", "--year", "2017", "--target", "skole_alkohol", *common(demo_dirs, tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "no Jupyter kernel found; run 'make setup' or 'python -m ipykernel install --sys-prefix --name rusmiddel-analysis'" in err


def test_broken_strategy_file_stops_the_report(demo_dirs, tmp_path, capsys):
    broken = write_strategy_variant(tmp_path, lambda raw: target_entry(raw, "skole_hash")["baseline"].update(value="93 %"))
    assert main(["--strategy", str(broken), "report", "--year", "2017", *common(demo_dirs, tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "target 'skole_hash', field 'baseline.value': must be a number" in err and len(err.strip().splitlines()) == 1


@pytest.mark.slow
def test_a_status_file_counting_a_small_cell_stops_the_report_and_keeps_the_previous_pages(demo_dirs, demo_report, tmp_path, capsys):
    import shutil

    from .conftest import tree_hashes

    outputs = tmp_path / "outputs"
    shutil.copytree(demo_report, outputs)  # the previous good pages and PDF
    before = tree_hashes(outputs)
    status = tmp_path / "status"
    status.mkdir()
    (status / "2017.md").write_text(
        "# Unge i folkeskolen\nSkolerne arbejder videre.\nKun 3 elever i 6. klasse har prøvet andre stoffer; 2 af dem er piger.\n", encoding="utf-8"
    )
    assert main(["report", "--year", "2017", "--force", *common(demo_dirs, outputs, status)]) == 2
    err = capsys.readouterr().err
    assert f"{status / '2017.md'}, line 3: a count of fewer than 5 persons" in err
    assert "elever" not in err and "piger" not in err  # the line's number, never its words
    assert len(err.strip().splitlines()) == 1
    assert tree_hashes(outputs) == before
