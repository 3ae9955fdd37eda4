import subprocess
import sys

from rusmiddel_analysis.cli import main


def test_targets_danish(capsys):
    assert main(["targets"]) == 0
    out = capsys.readouterr().out
    assert "Rusmiddelstrategien 2016-2019 – mål og succeskriterier" in out
    row = next(line for line in out.splitlines() if line.startswith("behandling_antal"))
    assert row.split()[-2:] == ["611", "703"]
    row = next(line for line in out.splitlines() if line.startswith("skole_alkohol"))
    assert "41\u00a0%" in row and "50\u00a0%" in row and "Unge i folkeskolen" in row


def test_targets_english(capsys):
    assert main(["targets", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "Substance Use Strategy 2016-2019" in out
    assert "41%" in out and "Effect of treatment" in out


def test_installed_entry_point_runs():
    exe = __import__("shutil").which("rusmiddel", path=str(__import__("pathlib").Path(sys.executable).parent))
    result = subprocess.run([exe, "targets"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.count("Succeskriterium:") == 10


def test_broken_strategy_gives_one_line_error(tmp_path, capsys):
    bad = tmp_path / "s.yaml"
    bad.write_text("strategy: {}\n", encoding="utf-8")
    assert main(["--strategy", str(bad), "targets"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rusmiddel: error: ") and str(bad) in err and "Traceback" not in err
