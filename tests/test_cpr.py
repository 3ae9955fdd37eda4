"""The CPR guard refuses CPR-like columns without printing them; pseudonyms are keyed and stable."""

from __future__ import annotations

import pandas as pd
import pytest

from rusmiddel_analysis.cli import main
from rusmiddel_analysis.ingest.cpr import PseudonymiseError, cpr_like, load_key, pseudonym, pseudonymise_file
from rusmiddel_analysis.ingest.problems import DataValidationError
from rusmiddel_analysis.ingest.validation import validate

from .conftest import canonical_frames, write_canonical

# Made-up numbers of CPR form (valid dates); not anyone's number as far as we know.
CPR_LIKE = ["010190-1234", "3112851111", "290200-4321"]


def test_cpr_pattern_needs_ten_digits_and_a_real_date():
    values = pd.Series(CPR_LIKE + ["320190-1234", "011390-1234", "12345", "abcdefghij", None, "9999999999", 101901234.0])
    # 32 Jan and month 13 are no dates; 101901234.0 is 0101901234 with its leading zero lost in a spreadsheet
    assert cpr_like(values).tolist() == [True, True, True, False, False, False, False, False, False, True]


def test_guard_refuses_a_cpr_column_naming_column_and_count_not_values(tmp_path, strategy, capsys):
    frames = canonical_frames()
    frames["behandling_forloeb"] = frames["behandling_forloeb"].assign(person_id=CPR_LIKE)
    raw = write_canonical(tmp_path / "raw", frames)
    with pytest.raises(DataValidationError) as info:
        validate(raw, strategy)
    text = str(info.value)
    assert "column 'person_id': rule 'no CPR numbers': 3 rows fail (row 2, 3, 4)" in text
    assert "rusmiddel pseudonymise" in text
    assert not any(c in text or c.replace("-", "") in text for c in CPR_LIKE)
    assert main(["process", "--raw", str(raw), "--processed", str(tmp_path / "processed")]) == 1
    out = capsys.readouterr()
    assert not any(c in out.err + out.out for c in CPR_LIKE)
    assert not (tmp_path / "processed").exists()


def test_guard_passes_columns_without_cpr_like_values(canonical_raw, strategy):
    validate(canonical_raw, strategy)  # ids like 'p1', dates, years: nothing CPR-like


def test_pseudonym_is_stable_and_depends_on_the_key():
    key_a, key_b = b"a" * 32, b"b" * 32
    ids = pd.Series(["010190-1234", "0101901234", None])
    first, again, other = pseudonym(ids, key_a), pseudonym(ids, key_a), pseudonym(ids, key_b)
    assert first.tolist() == again.tolist()
    assert first[0] == first[1]  # with or without the dash: the same citizen
    assert first[0] != other[0] and len(first[0]) == 16
    assert pd.isna(first[2])
    assert not cpr_like(first.dropna()).any()


def test_pseudonymise_command(tmp_path, monkeypatch, capsys):
    src = tmp_path / "export.csv"
    pd.DataFrame({"cpr": CPR_LIKE, "x": [1, 2, 3]}).to_csv(src, sep=";", index=False)
    out1, out2 = tmp_path / "p1.csv", tmp_path / "p2.csv"
    monkeypatch.delenv("RUSMIDDEL_PSEUDONYM_KEY", raising=False)
    assert main(["pseudonymise", "--in", str(src), "--out", str(out1), "--column", "cpr"]) == 2
    assert "no key" in capsys.readouterr().err and not out1.exists()
    monkeypatch.setenv("RUSMIDDEL_PSEUDONYM_KEY", "k" * 32)
    assert main(["pseudonymise", "--in", str(src), "--out", str(out1), "--column", "cpr"]) == 0
    assert main(["pseudonymise", "--in", str(src), "--out", str(out2), "--column", "cpr"]) == 0
    assert out1.read_text() == out2.read_text()
    text = out1.read_text()
    assert not any(c in text for c in CPR_LIKE) and "x" in text.splitlines()[0]
    assert main(["pseudonymise", "--in", str(src), "--out", str(src), "--column", "cpr"]) == 2  # raw is immutable


def test_key_file_rules(tmp_path):
    repo = tmp_path / "repo"
    (repo / "keys").mkdir(parents=True)
    inside = repo / "keys" / "k.key"
    inside.write_text("x" * 40)
    with pytest.raises(PseudonymiseError, match="inside the repository"):
        load_key(inside, repo_root=repo)
    outside = tmp_path / "k.key"
    outside.write_text("short")
    with pytest.raises(PseudonymiseError, match="shorter than 16 bytes"):
        load_key(outside, repo_root=repo)
    outside.write_text("y" * 40 + "\n")
    assert load_key(outside, repo_root=repo) == b"y" * 40


def test_pseudonymise_file_refuses_unknown_column(tmp_path):
    src = tmp_path / "e.parquet"
    pd.DataFrame({"a": ["1"]}).to_parquet(src)
    with pytest.raises(PseudonymiseError, match="none of its 1 columns is named 'cpr'"):
        pseudonymise_file(src, tmp_path / "o.parquet", "cpr", b"k" * 32)


def test_pseudonymise_never_lists_the_files_columns(tmp_path, monkeypatch, capsys):
    """Without a header row the column names are a row of CPR numbers and names: none is printed."""
    src, out = tmp_path / "export.csv", tmp_path / "out.csv"
    src.write_text("010190-1234;Jens Hansen;x\n3112851111;Anne Jensen;y\n", encoding="utf-8")
    monkeypatch.setenv("RUSMIDDEL_PSEUDONYM_KEY", "k" * 32)
    assert main(["pseudonymise", "--in", str(src), "--out", str(out), "--column", "CPR"]) == 2
    err = capsys.readouterr().err
    assert "none of its 3 columns is named 'CPR' (the names are not listed" in err and len(err.strip().splitlines()) == 1
    assert not any(value in err for value in ("010190", "Jens", "Hansen", "Anne", "3112851111")) and not out.exists()
    src.write_bytes("Café;010190-1234\n".encode("cp1252"))  # not UTF-8: the reader's own words are not passed on
    assert main(["pseudonymise", "--in", str(src), "--out", str(out), "--column", "CPR"]) == 2
    err = capsys.readouterr().err
    assert "cannot read it as .csv (UnicodeDecodeError)" in err and "010190" not in err and "Traceback" not in err


# a school's name cell with a pupil's name and CPR number typed into it: the number is inside a text
IN_TEXT = "Vestbjergskolen Jens Hansen 010203-1234"


def test_a_cpr_number_inside_a_text_is_found_and_ids_dates_and_numbers_are_not():
    from rusmiddel_analysis.ingest.cpr import cpr_in_text

    found = [IN_TEXT, "ringet op 0102031234 i dag", "notat:010203-1234.", "(010203-1234)"]
    not_found = [
        "S00001",
        "S15-004711",
        "F-2016-00042",
        "2016-03-14",
        "betalt 1500 kr den 01-02-2016",
        "tlf 98765432",
        "12345678901",
        "320190-1234 er ingen dato",
        "ab0102031234cdef",  # a hex pseudonym whose digits happen to have the shape
        "0102031234abcdef",
    ]
    values = pd.Series(found + not_found + [None], dtype="string")
    assert cpr_in_text(values).tolist() == [True] * len(found) + [False] * (len(not_found) + 1)


def test_pseudonyms_never_look_like_a_cpr_number_inside_a_text():
    """About one 16-hex pseudonym in 2,000 holds ten digits in a row that start with a real date:
    glued to its letters, such a run is no CPR number in a text (the guard would refuse the
    pseudonymised register otherwise)."""
    from rusmiddel_analysis.ingest.cpr import cpr_in_text

    pseudonyms = pseudonym(pd.Series([f"{i:010d}" for i in range(20000)]), b"k" * 32)
    runs = pseudonyms.str.extractall(r"(\d{6})\d{4}")[0]
    with_a_date_run = pd.to_datetime(runs, format="%d%m%y", errors="coerce").notna().sum()
    assert with_a_date_run > 0  # the case the guard must not mistake for a CPR number
    assert not cpr_in_text(pseudonyms).any() and not cpr_like(pseudonyms).any()


def test_a_cpr_number_inside_a_text_cell_is_refused_with_column_and_rows(tmp_path, strategy, capsys):
    frames = canonical_frames()
    frames["ungeprofil_skole"] = frames["ungeprofil_skole"].assign(school=["A", IN_TEXT, "B", "B"])
    raw = write_canonical(tmp_path / "raw", frames)
    with pytest.raises(DataValidationError) as info:
        validate(raw, strategy)
    text = str(info.value)
    assert "ungeprofil_skole.csv: column 'school': rule 'no CPR numbers': 1 row fail (row 3)" in text
    assert "a text in these cells holds a CPR number" in text
    assert main(["process", "--raw", str(raw), "--processed", str(tmp_path / "processed")]) == 1
    out = capsys.readouterr()
    assert not any(part in text + out.out + out.err for part in ("010203", "0102031234", "Jens", "Vestbjergskolen"))
    assert not (tmp_path / "processed").exists()
