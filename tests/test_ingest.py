"""Raw data in, processed data out: every validation rule, the all-or-nothing write, the CPR guard."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from rusmiddel_analysis.cli import main
from rusmiddel_analysis.ingest import validation
from rusmiddel_analysis.ingest.problems import NOT_SHOWN, DataValidationError
from rusmiddel_analysis.ingest.process import process
from rusmiddel_analysis.ingest.schemas import SOURCES
from rusmiddel_analysis.ingest.validation import validate

from .conftest import canonical_frames, tree_hashes, write_canonical

SECRET = "SECRETVALUE42"  # planted in failing cells: must never appear in a message
TODAY = dt.date(2020, 6, 1)


def problems_for(raw, strategy):
    with pytest.raises(DataValidationError) as info:
        validate(raw, strategy, today=TODAY)
    text = str(info.value)
    assert SECRET not in text
    return info.value.problems, text


def test_canonical_folder_is_valid_and_processes(canonical_raw, tmp_path, strategy):
    manifest = process(canonical_raw, tmp_path / "processed", strategy, today=TODAY)
    assert manifest["sources"]["ungeprofil_skole"]["rows"] == 4
    assert manifest["synthetic_demo_data"] is False
    frame = pd.read_parquet(tmp_path / "processed" / "ungeprofil_skole.parquet")
    assert frame["alcohol_ever"].tolist()[:2] == [False, True] and pd.isna(frame["alcohol_ever"][2])


CASES = [
    # (name, source, mutate(frame) -> frame, expected message fragment)
    (
        "missing column",
        "ungeprofil_skole",
        lambda f: f.drop(columns=["grade"]),
        "ungeprofil_skole.csv: column 'grade': rule 'required column present'",
    ),
    ("unknown column", "ungeprofil_skole", lambda f: f.assign(favourite=SECRET), "ungeprofil_skole.csv: column 'favourite': rule 'known column'"),
    (
        "wrong type",
        "ungeprofil_skole",
        lambda f: f.assign(grade=["6", SECRET, "8", "9"]),
        "ungeprofil_skole.csv: column 'grade': rule 'a whole number': 1 row fail (row 3)",
    ),
    (
        "not a boolean",
        "ungeprofil_skole",
        lambda f: f.assign(hash_ever=["false", "false", SECRET, SECRET]),
        "column 'hash_ever': rule 'true or false': 2 rows fail (row 4, 5)",
    ),
    ("out of range", "ungeprofil_skole", lambda f: f.assign(grade=[6, 11, 8, 12]), "column 'grade': rule 'at most 10': 2 rows fail (row 3, 5)"),
    (
        "debut age out of range",
        "ungeprofil_skole",
        lambda f: f.assign(smoking_debut_age=[None, 7, 13, 26]),
        "column 'smoking_debut_age': rule 'at least 8': 1 row fail (row 3)",
    ),
    (
        "not in code list",
        "ungeprofil_skole",
        lambda f: f.assign(gender=["male", "dreng", "female", "female"]),
        "column 'gender': rule 'one of male, female, other': 1 row fail (row 3)",
    ),
    (
        "required value empty",
        "ungeprofil_skole",
        lambda f: f.assign(respondent_id=["S1", "", "S3", "S4"]),
        "column 'respondent_id': rule 'not empty': 1 row fail (row 3)",
    ),
    (
        "duplicate id within year",
        "ungeprofil_skole",
        lambda f: f.assign(respondent_id=["S1", "S1", "S1", "S4"]),
        "rule 'unique year + respondent_id': 2 rows fail (row 2, 3)",
    ),
    (
        "dates in wrong order",
        "behandling_forloeb",
        lambda f: f.assign(end_date=["2015-01-01", "", "2016-12-01"]),
        "behandling_forloeb.csv: rule 'end_date not before start_date': 1 row fail (row 2)",
    ),
    (
        "date in the future",
        "behandling_forloeb",
        lambda f: f.assign(end_date=["2015-09-01", "", "2031-01-01"]),
        "column 'end_date': rule 'not in the future': 1 row fail (row 4)",
    ),
    (
        "not an ISO date",
        "behandling_forloeb",
        lambda f: f.assign(start_date=["01-02-2015", "2015-03-01", "2016-05-01"]),
        "column 'start_date': rule 'a date in the format %Y-%m-%d': 1 row fail (row 2)",
    ),
    (
        "status without end",
        "behandling_forloeb",
        lambda f: f.assign(end_status=["reduced", "reduced", "unknown"]),
        "rule 'end_status given exactly when end_date is': 1 row fail (row 3)",
    ),
    (
        "follow-up status without contact",
        "behandling_opfoelgning",
        lambda f: f.assign(status=["abstinent", "reduced"]),
        "rule 'status empty when not contacted': 1 row fail (row 3)",
    ),
    (
        "follow-up months not 1/6/12",
        "behandling_opfoelgning",
        lambda f: f.assign(months=[1, 3]),
        "column 'months': rule 'one of 1, 6, 12': 1 row fail (row 3)",
    ),
]


@pytest.mark.parametrize("name, source, mutate, expected", CASES, ids=[c[0] for c in CASES])
def test_validation_rule_names_file_column_rule_and_rows(tmp_path, strategy, name, source, mutate, expected):
    frames = canonical_frames()
    frames[source] = mutate(frames[source])
    raw = write_canonical(tmp_path / "raw", frames)
    problems, text = problems_for(raw, strategy)
    assert expected in text
    assert "hint: " in text


def test_all_problems_are_reported_at_once(tmp_path, strategy):
    frames = canonical_frames()
    frames["ungeprofil_skole"] = frames["ungeprofil_skole"].assign(grade=[6, 11, 8, 9], gender=["x", "male", "male", "male"])
    frames["behandling_forloeb"] = frames["behandling_forloeb"].drop(columns=["substance"])
    problems, _ = problems_for(write_canonical(tmp_path / "raw", frames), strategy)
    assert {(p.column, p.rule.split(" ")[0]) for p in problems} >= {("grade", "at"), ("gender", "one"), ("substance", "required")}


def test_many_failing_rows_list_only_the_first_five(tmp_path, strategy):
    frames = canonical_frames()
    frames["ungeprofil_skole"] = pd.concat([frames["ungeprofil_skole"]] * 3, ignore_index=True).assign(
        respondent_id=[f"S{i}" for i in range(12)], grade=12
    )
    problems, text = problems_for(write_canonical(tmp_path / "raw", frames), strategy)
    assert "12 rows fail (row 2, 3, 4, 5, 6, ...)" in text


def test_mapping_renames_recodes_and_reports_a_missing_export_column(tmp_path, strategy):
    frames = canonical_frames()
    raw = write_canonical(tmp_path / "raw", frames)
    skole = frames["ungeprofil_skole"].rename(columns={"gender": "Køn", "grade": "Klassetrin"})
    skole["Køn"] = skole["Køn"].map({"male": "Dreng", "female": "Pige", "other": "Andet"})
    skole["Klassetrin"] = [f"{g}. klasse" for g in skole["Klassetrin"]]
    skole.to_csv(raw / "ungeprofil_skole" / "ungeprofil_skole.csv", index=False, sep=";")
    mapping = raw / "ungeprofil_skole" / "mapping.yaml"
    mapping.write_text(
        "columns: {Køn: gender, Klassetrin: grade}\nvalues:\n  gender: {Dreng: male, Pige: female, Andet: other}\n"
        "  grade: {'6. klasse': 6, '8. klasse': 8, '9. klasse': 9, '10. klasse': 10}\n",
        encoding="utf-8",
    )
    frame = validate(raw, strategy, today=TODAY)["ungeprofil_skole"].frame
    assert frame["gender"].tolist() == ["male", "female", "other", "female"]
    assert frame["grade"].tolist() == [6, 8, 9, 10]
    mapping.write_text("columns: {Køn: gender, Klassetrin: grade, Skolenavn: school}\n", encoding="utf-8")
    _, text = problems_for(raw, strategy)
    assert "column 'school' (export column 'Skolenavn'): rule 'mapping column exists'" in text
    assert "column 'grade' (export column 'Klassetrin'): rule 'a whole number': 4 rows fail" in text


def test_unreadable_empty_and_wrongly_encoded_files(tmp_path, strategy):
    raw = write_canonical(tmp_path / "raw")
    (raw / "behandling_forloeb" / "broken.xlsx").write_bytes(b"this is not a workbook " + SECRET.encode())
    (raw / "ungeprofil_ungdom" / "empty.csv").write_text(",".join(SOURCES["ungeprofil_ungdom"].names[:9]) + "\n")
    (raw / "ungeprofil_skole" / "latin1.csv").write_bytes("respondent_id,school\nS9,Østre Skole\n".encode("cp1252"))
    _, text = problems_for(raw, strategy)
    assert "broken.xlsx: rule 'a readable xlsx file (" in text
    assert "empty.csv: rule 'at least one data row'" in text
    assert "latin1.csv: rule 'text in the encoding utf-8-sig'" in text and "read: {encoding: cp1252}" in text


def test_missing_source_folder(tmp_path, strategy):
    frames = canonical_frames()
    del frames["ungeprofil_ungdom"]
    _, text = problems_for(write_canonical(tmp_path / "raw", frames), strategy)
    assert "ungeprofil_ungdom: rule 'source present" in text


def test_duplicates_across_two_files_of_one_source(tmp_path, strategy):
    raw = write_canonical(tmp_path / "raw")
    canonical_frames()["ungeprofil_skole"].head(2).to_csv(raw / "ungeprofil_skole" / "copy.csv", index=False)
    _, text = problems_for(raw, strategy)
    assert "copy.csv: rule 'unique year + respondent_id across the files of ungeprofil_skole': 2 rows fail (row 2, 3)" in text


def test_follow_up_must_refer_to_a_known_episode(tmp_path, strategy):
    frames = canonical_frames()
    frames["behandling_opfoelgning"] = frames["behandling_opfoelgning"].assign(episode_id=["E1", "E99"])
    _, text = problems_for(write_canonical(tmp_path / "raw", frames), strategy)
    assert "rule 'episode_id refers to an episode in behandling_forloeb'" in text and "1 row fail" in text


def test_failed_process_leaves_processed_folder_exactly_as_it_was(tmp_path, strategy, capsys):
    raw = write_canonical(tmp_path / "raw")
    processed = tmp_path / "processed"
    process(raw, processed, strategy, today=TODAY)
    (processed / "README.md").write_text("kept\n")
    before, raw_before = tree_hashes(processed), tree_hashes(raw)
    frames = canonical_frames()
    frames["ungeprofil_skole"] = frames["ungeprofil_skole"].assign(grade=[6, 7, 8, 99])
    write_canonical(raw, frames)
    raw_before = tree_hashes(raw)
    code = main(["process", "--raw", str(raw), "--processed", str(processed)])
    assert code == 1
    err = capsys.readouterr().err
    assert "rule 'at most 10'" in err and "nothing was written" in err
    assert tree_hashes(processed) == before
    assert tree_hashes(raw) == raw_before  # raw is only read
    assert not list(tmp_path.glob(".processed-*"))  # no staging folder left behind


def test_successful_process_keeps_readme_and_replaces_data(tmp_path, strategy):
    raw = write_canonical(tmp_path / "raw")
    processed = tmp_path / "processed"
    processed.mkdir()
    (processed / "README.md").write_text("about this folder\n")
    (processed / "stale.parquet").write_text("old")
    process(raw, processed, strategy, today=TODAY)
    assert (processed / "README.md").read_text() == "about this folder\n"
    assert not (processed / "stale.parquet").exists()
    # every source the raw folder holds (the optional population source is not among them)
    assert sorted(p.name for p in processed.glob("*.parquet")) == sorted(f"{s}.parquet" for s in canonical_frames())


def test_raw_file_changed_while_processing_is_refused(tmp_path, strategy, monkeypatch):
    raw = write_canonical(tmp_path / "raw")
    processed = tmp_path / "processed"
    real_read = validation.read_raw

    def read_then_change(path, mapping):
        table = real_read(path, mapping)
        if path.name == "ungeprofil_skole.csv":
            path.write_bytes(path.read_bytes() + b"\n")  # another program finishes writing the export
        return table

    monkeypatch.setattr(validation, "read_raw", read_then_change)
    with pytest.raises(DataValidationError, match="ungeprofil_skole.csv: rule 'unchanged while being processed'"):
        process(raw, processed, strategy, today=TODAY)
    assert not processed.exists()


def test_validate_command_exit_codes(canonical_raw, capsys):
    assert main(["validate", "--raw", str(canonical_raw)]) == 0
    assert "ungeprofil_skole: 4 rows in 1 file(s): valid" in capsys.readouterr().out
    (canonical_raw / "ungeprofil_skole" / "ungeprofil_skole.csv").write_text("respondent_id\n")
    assert main(["validate", "--raw", str(canonical_raw)]) == 1


# --- demo data through the same path ---------------------------------------------------------


def test_demo_round_trip_gives_one_canonical_parquet_file_per_source(demo_dirs):
    raw, processed = demo_dirs
    for name, source in SOURCES.items():
        frame = pd.read_parquet(processed / f"{name}.parquet")
        assert list(frame.columns) == [c.name for c in source.columns if c.name != "weight"]
        for col in source.columns:
            if col.name not in frame.columns:
                continue
            dtype = frame[col.name].dtype
            # whole numbers in 16 bits, unless they can exceed 30,000 (residents of a municipality)
            small_int = "Int16" if col.codes or (col.high is not None and col.high < 30000) else "Int32"
            expected = {"code": "category", "bool": "boolean", "int": small_int, "id": "string", "text": "string", "float": "Float64"}.get(col.kind)
            if col.kind == "date":
                assert pd.api.types.is_datetime64_any_dtype(dtype), col.name
            else:
                assert str(dtype) == expected or (expected == "string" and pd.api.types.is_string_dtype(dtype)), (col.name, dtype)
    manifest = json.loads((processed / "manifest.json").read_text())
    assert manifest["synthetic_demo_data"] is True


def test_demo_exports_look_like_real_ones(demo_dirs):
    raw, _ = demo_dirs
    assert sorted(p.suffix for p in raw.rglob("*") if p.suffix in (".csv", ".xlsx", ".sav")) == [".csv"] * 8 + [".sav"] * 3 + [".xlsx"]
    header = (raw / "ungeprofil_skole" / "ungeprofil_skole_2015.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.startswith("Respondent-ID;År;Skole;Klassetrin;Køn")
    assert (raw / "status" / "2017.md").exists()


def test_demo_2015_reproduces_the_baselines(demo_dirs, strategy):
    _, processed = demo_dirs
    skole = pd.read_parquet(processed / "ungeprofil_skole.parquet")
    ungdom = pd.read_parquet(processed / "ungeprofil_ungdom.parquet")
    s15, u15 = skole[skole.year == 2015], ungdom[ungdom.year == 2015]
    share_not = lambda s: 100 * (~s.dropna().astype(bool)).mean()
    measured = {
        "skole_alkohol": share_not(s15.alcohol_ever),
        "skole_hash": share_not(s15.hash_ever),
        "skole_stoffer": share_not(s15.other_drugs_ever),
        "skole_foraeldreaftale": 100 * s15.parent_agreement.dropna().astype(bool).mean(),
        "ungdom_alkohol": 100 * (~u15.alcohol_frequency.dropna().isin(["weekly", "several_times_weekly", "daily"])).mean(),
        "ungdom_hash": share_not(u15.hash_ever),
        "ungdom_stoffer": share_not(u15.other_drugs_ever),
    }
    forloeb = pd.read_parquet(processed / "behandling_forloeb.parquet")
    ended = forloeb[forloeb.end_date.dt.year == 2015]
    known = ended[ended.end_status != "unknown"]
    for substance, tid in (("drugs", "behandling_stof_effekt"), ("alcohol", "behandling_alkohol_effekt")):
        k = known[known.substance == substance]
        measured[tid] = 100 * k.end_status.isin(["abstinent", "reduced"]).mean()
    for tid, value in measured.items():
        # the register's shares are the profile's (to a rounding); a survey's are drawn around the
        # baseline (test_indicators holds each against its own interval)
        tolerance = 1 if tid.startswith("behandling") else 3
        assert abs(value - strategy.target(tid).baseline_value) <= tolerance, (tid, value)
    assert forloeb[forloeb.start_date.dt.year == 2015].person_id.nunique() == 611


def test_demo_data_never_overwrites_raw_exports(demo_dirs, capsys):
    raw, _ = demo_dirs
    assert main(["demo-data", "--raw", str(raw)]) == 2
    assert "already holds exports" in capsys.readouterr().err


def test_demo_scale_multiplies_survey_sizes(tmp_path):
    from rusmiddel_analysis.ingest.demo import write_demo_data

    counts = write_demo_data(tmp_path / "raw", seed=1, scale=0.1)
    assert counts["ungeprofil_skole"] == 5 * 900 and counts["ungeprofil_ungdom"] == 3 * 600


def test_demo_exports_carry_exactly_their_mappings_headers(demo_dirs):
    """Each demo export's headers are its mapping's (the generator takes them from the mapping), none more or fewer."""
    import pyreadstat
    import yaml

    raw, _ = demo_dirs
    for source in SOURCES:
        mapping = yaml.safe_load((raw / source / "mapping.yaml").read_text(encoding="utf-8"))
        for path in sorted(p for p in (raw / source).iterdir() if p.name != "mapping.yaml"):
            if path.suffix == ".sav":
                headers = pyreadstat.read_sav(str(path), metadataonly=True)[1].column_names
            elif path.suffix == ".xlsx":
                headers = list(pd.read_excel(path, nrows=0).columns)
            else:
                headers = list(pd.read_csv(path, sep=";", nrows=0, encoding="utf-8-sig").columns)
            assert sorted(headers) == sorted([*mapping["columns"], *mapping.get("drop", [])]), path.name


def test_demo_data_if_empty_leaves_existing_exports_alone(demo_dirs, capsys):
    raw, _ = demo_dirs
    assert main(["demo-data", "--raw", str(raw), "--if-empty"]) == 0
    assert "no demo data written" in capsys.readouterr().out


def test_an_archive_with_earlier_years_is_accepted_and_those_rows_left_out(tmp_path, strategy, capsys):
    from rusmiddel_analysis.cli import main

    frames = canonical_frames()
    frames["ungeprofil_ungdom"] = frames["ungeprofil_ungdom"].assign(year=[2012, 2015])
    raw = write_canonical(tmp_path / "raw", frames)
    assert main(["process", "--raw", str(raw), "--processed", str(tmp_path / "processed")]) == 0
    assert "note: ungeprofil_ungdom: 1 row(s) of survey years outside 2015-2019 left out" in capsys.readouterr().out
    kept = pd.read_parquet(tmp_path / "processed" / "ungeprofil_ungdom.parquet")
    assert kept["year"].tolist() == [2015]
    manifest = json.loads((tmp_path / "processed" / "manifest.json").read_text())
    assert manifest["sources"]["ungeprofil_ungdom"]["left_out_rows"] == 1
    assert manifest["strategy"] == {"id": strategy.id, "file": strategy.path.name, "years": [2015, 2019]}


def test_data_for_none_of_the_strategys_years_is_refused(tmp_path, capsys):
    from rusmiddel_analysis.cli import main

    frames = canonical_frames()
    for name in ("ungeprofil_skole", "ungeprofil_ungdom"):
        frames[name] = frames[name].assign(year=2012)
    frames["behandling_forloeb"] = frames["behandling_forloeb"].assign(start_date="2012-02-01", end_date=["2012-09-01", "", "2012-12-01"])
    raw = write_canonical(tmp_path / "raw", frames)
    assert main(["process", "--raw", str(raw), "--processed", str(tmp_path / "processed")]) == 1
    err = capsys.readouterr().err
    assert "data for at least one of the strategy's years 2015-2019" in err and not (tmp_path / "processed").exists()


def danish_exports(raw: Path, frames: dict[str, pd.DataFrame]) -> None:
    """The canonical test data re-written the way Danish systems and Excel write them: the school
    survey as a cp1252 ';' file with Danish words and decimal commas in its weight; the register as
    Excel with a title block above the header and dd-mm-yyyy dates."""
    skole = frames["ungeprofil_skole"].assign(weight=[1.25, 0.8, 1234.5, 1.0])
    shutil.rmtree(raw / "ungeprofil_skole")
    (raw / "ungeprofil_skole").mkdir()
    danish = skole.replace({"true": "Ja", "false": "Nej"}).rename(columns={"gender": "Køn", "weight": "Vægt"})
    danish["Køn"] = danish["Køn"].map({"male": "Dreng", "female": "Pige", "other": "Andet"})
    danish["Vægt"] = ["1,25", "0,8", "1.234,5", "1"]
    danish.to_csv(raw / "ungeprofil_skole" / "skole.csv", sep=";", index=False, encoding="cp1252")
    (raw / "ungeprofil_skole" / "mapping.yaml").write_text(
        "read: {encoding: cp1252, decimal: ','}\ncolumns: {Køn: gender, Vægt: weight}\n"
        "values:\n  gender: {Dreng: male, Pige: female, Andet: other}\n"
        + "".join(
            f"  {c}: {{Ja: true, Nej: false}}\n" for c in ("alcohol_ever", "hash_ever", "other_drugs_ever", "parent_agreement", "smoking_ever")
        ),
        encoding="utf-8",
    )
    forloeb = frames["behandling_forloeb"].copy()
    for column in ("start_date", "end_date"):
        forloeb[column] = [pd.Timestamp(v).strftime("%d-%m-%Y") if v else "" for v in forloeb[column]]
    shutil.rmtree(raw / "behandling_forloeb")
    (raw / "behandling_forloeb").mkdir()
    with pd.ExcelWriter(raw / "behandling_forloeb" / "udtraek.xlsx") as writer:
        pd.DataFrame([["Udtræk fra behandlingsregistret"], ["Dannet 02-01-2020"]]).to_excel(writer, index=False, header=False)
        forloeb.to_excel(writer, index=False, startrow=3)
    (raw / "behandling_forloeb" / "mapping.yaml").write_text("read: {header_row: 4}\ndate_format: '%d-%m-%Y'\n", encoding="utf-8")
    return skole


def test_danish_style_exports_process_to_the_same_data_as_canonical_files(tmp_path, strategy):
    frames = canonical_frames()
    canonical_raw = write_canonical(
        tmp_path / "canonical", {**frames, "ungeprofil_skole": frames["ungeprofil_skole"].assign(weight=[1.25, 0.8, 1234.5, 1.0])}
    )
    danish_raw = write_canonical(tmp_path / "danish", frames)
    danish_exports(danish_raw, frames)
    process(canonical_raw, tmp_path / "p1", strategy, today=TODAY)
    process(danish_raw, tmp_path / "p2", strategy, today=TODAY)
    for name in ("ungeprofil_skole", "behandling_forloeb"):
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "p1" / f"{name}.parquet"), pd.read_parquet(tmp_path / "p2" / f"{name}.parquet"))


def test_one_message_per_root_cause_with_the_hint_that_fits(tmp_path, strategy):
    frames = canonical_frames()
    raw = write_canonical(tmp_path / "raw", frames)
    danish_exports(raw, frames)
    (raw / "behandling_forloeb" / "mapping.yaml").write_text("read: {header_row: 4}\n", encoding="utf-8")  # no date_format
    (raw / "ungeprofil_skole" / "mapping.yaml").write_text(
        (raw / "ungeprofil_skole" / "mapping.yaml").read_text(encoding="utf-8").replace(", decimal: ','", ""), encoding="utf-8"
    )
    problems, text = problems_for(raw, strategy)
    dates = [p for p in problems if p.column in ("start_date", "end_date")]
    assert [(p.column, p.rule, p.n_rows) for p in dates] == [
        ("start_date", "a date in the format %Y-%m-%d", 3),
        ("end_date", "a date in the format %Y-%m-%d", 2),
    ]
    assert "date_format" in dates[0].hint
    # the rows whose date did not parse are not reported again by the rules that depend on the date
    assert not [p for p in problems if "behandling_forloeb" in p.file and p not in dates], text
    weight = [p for p in problems if p.column == "weight"]
    assert len(weight) == 1 and "decimal" in weight[0].hint and weight[0].n_rows == 3


def test_a_title_block_without_header_row_is_one_problem(tmp_path, strategy):
    frames = canonical_frames()
    raw = write_canonical(tmp_path / "raw", frames)
    danish_exports(raw, frames)
    (raw / "behandling_forloeb" / "mapping.yaml").write_text("date_format: '%d-%m-%Y'\n", encoding="utf-8")
    problems, _ = problems_for(raw, strategy)
    register = [p for p in problems if "behandling_forloeb" in p.file]
    assert [p.rule for p in register] == ["column names on the first row"] and "header_row" in register[0].hint


@pytest.mark.parametrize(
    "mapping, message",
    [
        ("read: {encodng: cp1252}\n", "only known names under 'read:' (found encodng; valid: encoding, sep, sheet, decimal, header_row)"),
        ("colums: {Køn: gender}\n", "only known names under the top level (found colums;"),
        ("values:\n  kon: {Dreng: male}\n", "only known names under 'values:' (found kon;"),
        ("date_format: {start: '%d-%m-%Y'}\n", "only known names under 'date_format:' (found start; valid: start_date, end_date)"),
        ("read: {header_row: 0}\n", "read.header_row a row number from 1"),
        # a section in the wrong form: one problem, not a traceback or a word read letter by letter
        ("columns: [Køn, gender]\n", "rule ''columns:' a mapping'"),
        ("missing: Ved ikke\n", "rule ''missing:' a list'"),
        ("values:\n  gender: [Dreng, male]\n", "rule ''values:' a mapping of words for 'gender''"),
        # a pattern pandas cannot parse with: its column, the rule and the directives, not a traceback
        ("date_format: {start_date: '%Q'}\n", "column 'start_date': rule 'a valid date_format'\n    hint: date_format takes strftime directives"),
        ("date_format: '%d-%m-%'\n", "mapping.yaml: rule 'a valid date_format'"),
    ],
)
def test_every_mapping_key_and_option_is_checked(tmp_path, strategy, mapping, message):
    raw = write_canonical(tmp_path / "raw")
    source = "behandling_forloeb" if "start" in mapping or "date_format" in mapping else "ungeprofil_skole"
    (raw / source / "mapping.yaml").write_text(mapping, encoding="utf-8")
    _, text = problems_for(raw, strategy)
    assert message in text


# --- names read from a file: never a value, never a control character -------------------------

REAL_HEADERS = [
    "Alder første gang: ryget",
    "Klassetrin",
    "Køn",
    "Skolenavn",
    "Q12_3",
    "Respondent-ID",
    "Borger-ID (pseudonym)",
    "Opfølgning efter (mdr.)",
    "Anden etnisk baggrund end dansk",
    "TID",
    "alk_hyppighed",
    "Sjældnere end en gang om måneden",
    "6. klasse",
]
# values a first data row brings as "column names": CPR numbers, names, ids, pseudonyms, e-mail, dates, numbers
VALUES_AS_NAMES = [
    "010203-1234",
    "0102031234",
    "Jens Hansen",
    "Anne-Mette K. Jensen",
    "S15-004711",
    "F-2016-00042",
    "3f9a0c51d2e87b44",
    "jens@example.dk",
    "14-03-2016",
    "2016-03-14",
    "1984",
    "Vestbjergskolen Jens Hansen 010203-1234",
    "a" * 65,
]


def test_a_plausible_name_is_a_column_name_not_a_value():
    from rusmiddel_analysis.ingest.problems import plausible_name, shown_name

    assert [name for name in REAL_HEADERS if not plausible_name(name)] == []
    assert [value for value in VALUES_AS_NAMES if plausible_name(value)] == []
    assert (shown_name("Køn", 3), shown_name("010203-1234", 3)) == ("'Køn'", "3")


def test_an_export_without_its_header_row_names_its_columns_by_position(tmp_path, capsys):
    frames = canonical_frames()
    raw = write_canonical(tmp_path / "raw", frames)
    skole = frames["ungeprofil_skole"].assign(respondent_id=["010203-1234", "S2", "S3", "S4"], school=["Jens Hansen", "A", "B", "B"])
    skole.to_csv(raw / "ungeprofil_skole" / "ungeprofil_skole.csv", index=False, header=False)  # the first row becomes the names
    for command in (["validate", "--raw", str(raw)], ["process", "--raw", str(raw), "--processed", str(tmp_path / "p")]):
        assert main(command) == 1
        out = capsys.readouterr()
        text = out.out + out.err
        assert not any(value in text for value in ("010203-1234", "0102031234", "Jens Hansen", "Jens", "2015"))
        # columns 1 (a CPR number), 2 (a year), 3 (a name) and 4 (a grade) by position; a word that is no value by name
        for position in (1, 2, 3, 4):
            assert f"ungeprofil_skole.csv: column {position}: rule 'known column'\n    hint: its name looks like a value" in text
        assert "column 'male': rule 'known column'" in text


def test_an_export_column_a_mapping_names_is_shown_only_when_plausible(tmp_path, strategy):
    raw = write_canonical(tmp_path / "raw")
    (raw / "ungeprofil_skole" / "mapping.yaml").write_text("columns: {'010203-1234': respondent_id, Skolenavn: school}\n", encoding="utf-8")
    problems, text = problems_for(raw, strategy)
    assert "column 'school' (export column 'Skolenavn'): rule 'mapping column exists'" in text
    assert "column 'respondent_id' (export column (its name is not shown: it looks like a value)): rule 'mapping column exists'" in text
    assert "010203" not in text and "mapping.yaml maps (its name is not shown" in text


def test_control_characters_from_a_file_never_reach_the_terminal(tmp_path, capsys):
    frames = canonical_frames()
    raw = write_canonical(tmp_path / "raw", frames)
    esc = "\x1b[2J\x1b[31m"
    (raw / "ungeprofil_skole" / "ungeprofil_skole.csv").unlink()
    frames["ungeprofil_skole"].assign(**{f"Klasse{esc}\r": "x"}).to_csv(raw / "ungeprofil_skole" / f"skole{esc}.csv", index=False)
    # a key of mapping.yaml with an escape code, written as YAML's own escape
    (raw / "behandling_forloeb" / "mapping.yaml").write_text('read: {"encodng\\e[31m": cp1252}\n', encoding="utf-8")
    assert main(["validate", "--raw", str(raw)]) == 1
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\r" not in err
    assert "skole[2J[31m.csv: column 'Klasse[2J[31m': rule 'known column'" in err
    assert "only known names under 'read:' (found encodng[31m;" in err


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "line 6: not valid YAML: more than 100,000 values once its aliases are expanded"),  # the alias bomb
        ("columns: {Køn: gender\nvalues: [\n".encode(), "line 2: not valid YAML: did not find expected ',' or '}'"),
        ("columns: {Køn: gender}\n".encode("cp1252"), "line 1: not valid YAML: not UTF-8 text"),
        (b"read: {sep: \x1b[31m}\n", "line 1: not valid YAML: control characters are not allowed"),
    ],
    ids=["alias bomb", "syntax error", "not UTF-8", "control character"],
)
def test_a_mapping_that_is_not_yaml_is_one_line_with_its_line_number(tmp_path, capsys, content, message):
    from .test_strategy import alias_bomb

    raw = write_canonical(tmp_path / "raw")
    mapping = raw / "ungeprofil_skole" / "mapping.yaml"
    mapping.write_bytes(content if content is not None else (alias_bomb() + "columns: *lol8\n").encode())
    assert main(["validate", "--raw", str(raw)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"rusmiddel: error: {mapping}, {message}") and len(err.strip().splitlines()) == 1 and "\x1b" not in err


def test_an_invalid_date_format_exits_like_other_validation_problems(tmp_path, capsys):
    raw = write_canonical(tmp_path / "raw")
    (raw / "behandling_forloeb" / "mapping.yaml").write_text("date_format: '%Q'\n", encoding="utf-8")
    assert main(["validate", "--raw", str(raw)]) == 1
    err = capsys.readouterr().err
    assert "behandling_forloeb/mapping.yaml: rule 'a valid date_format'" in err and "Traceback" not in err and len(err.splitlines()) == 4


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_utf16_file_gets_the_hint_that_names_utf16_and_reads_with_it(tmp_path, strategy, encoding):
    """Excel's 'Unicode text' is UTF-16, with a byte-order mark ('utf-16') or without (little- or big-endian)."""
    frames = canonical_frames()
    raw = write_canonical(tmp_path / "raw", frames)
    path = raw / "ungeprofil_ungdom" / "ungeprofil_ungdom.csv"
    path.write_bytes(frames["ungeprofil_ungdom"].to_csv(index=False).encode(encoding))
    _, text = problems_for(raw, strategy)
    assert f"ungeprofil_ungdom.csv: rule 'text in the encoding utf-8-sig'\n    hint: the file is UTF-16 text ({encoding}" in text
    assert f"set 'read: {{encoding: {encoding}}}' in mapping.yaml" in text and "cp1252" not in text
    (raw / "ungeprofil_ungdom" / "mapping.yaml").write_text(f"read: {{encoding: {encoding}}}\n", encoding="utf-8")
    assert validate(raw, strategy, today=TODAY)["ungeprofil_ungdom"].frame["age"].tolist() == [17, 19]


def test_excel_serial_day_numbers_in_a_date_column_get_their_own_hint(tmp_path, strategy):
    frames = canonical_frames()
    serial = lambda iso: str((dt.date.fromisoformat(iso) - dt.date(1899, 12, 30)).days) if iso else ""  # Excel's day count
    frames["behandling_forloeb"]["start_date"] = frames["behandling_forloeb"]["start_date"].map(serial)
    assert frames["behandling_forloeb"]["start_date"].tolist() == ["42036", "42064", "42491"]
    problems, text = problems_for(write_canonical(tmp_path / "raw", frames), strategy)
    (problem,) = [p for p in problems if p.column == "start_date"]
    assert (problem.rule, problem.n_rows) == ("a date in the format %Y-%m-%d", 3)
    assert "Excel's serial day numbers" in problem.hint and "values:" not in problem.hint


def test_a_missing_sheet_is_named_and_the_sheets_listed_only_when_their_names_may_be_shown(tmp_path, strategy):
    frames = canonical_frames()
    raw = write_canonical(tmp_path / "raw", frames)
    (raw / "behandling_forloeb" / "behandling_forloeb.csv").unlink()
    with pd.ExcelWriter(raw / "behandling_forloeb" / "udtraek.xlsx") as writer:
        frames["behandling_forloeb"].to_excel(writer, sheet_name="Forløb", index=False)
        frames["behandling_forloeb"].head(1).to_excel(writer, sheet_name="Jens Hansen", index=False)  # a sheet named after a person
    mapping = raw / "behandling_forloeb" / "mapping.yaml"
    for sheet, wanted in (("Data", "'Data'"), (5, "number 5"), ('"Data\\e[31m"', "'Data[31m'"), ("'010203-1234'", NOT_SHOWN)):
        mapping.write_text(f"read: {{sheet: {sheet}}}\n", encoding="utf-8")
        _, text = problems_for(raw, strategy)
        assert f"udtraek.xlsx: rule 'a sheet {wanted} in the workbook'" in text, text
        assert "the workbook's 2 sheet(s): 'Forløb' and 1 whose name is not shown" in text
        assert not any(part in text for part in ("Jens", "Hansen", "010203", "\x1b"))
    mapping.write_text("read: {sheet: Forløb}\n", encoding="utf-8")
    assert len(validate(raw, strategy, today=TODAY)["behandling_forloeb"].frame) == 3
