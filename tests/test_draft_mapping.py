"""`rusmiddel draft-mapping`: a first mapping.yaml drafted from exports made here (not the demo
writer's): a cp1252 CSV with a title block, an Excel workbook with day-month-year dates, an SPSS
file with Danish value labels and user-missing codes. The draft names every export column, finds
the read options, lists the words of coded columns, and never holds a personal value."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
import yaml

from rusmiddel_analysis.cli import main
from rusmiddel_analysis.ingest.draft import draft_mapping, draft_yaml
from rusmiddel_analysis.ingest.validation import validate

from .conftest import canonical_frames, write_canonical

IDS = [f"S16-{i:06d}" for i in range(1, 41)]


def school_export(path):
    """40 pupils as a Danish school system writes them: title lines, ';', cp1252, Danish words."""
    frame = pd.DataFrame(
        {
            "Respondent-ID": IDS,
            "År": 2016,
            "Skole": [f"Skole {i % 4}" for i in range(40)],
            "Klassetrin": [f"{6 + i % 5}. klasse" for i in range(40)],
            "Køn": ["Dreng", "Pige", "Andet", "Pige"] * 10,
            "Prøvet alkohol": ["Ja", "Nej", "Ved ikke", "Nej"] * 10,
            "Prøvet hash": ["Nej"] * 40,
            "Prøvet andre stoffer": ["Nej"] * 40,
            "Aftale med forældre om alkohol": ["Ja", "Nej"] * 20,
            "Prøvet at ryge": ["Nej", "Ja"] * 20,
            "Klasselærer": [f"Lærer {i}" for i in range(40)],  # not a canonical column
        }
    )
    with open(path, "w", encoding="cp1252", newline="") as handle:
        handle.write("Ungeprofilen 2016\nUdtræk 03-01-2017\n\n")
        frame.to_csv(handle, sep=";", index=False)
    return frame


def test_draft_of_a_danish_csv_names_every_column_and_no_person(tmp_path):
    export = tmp_path / "skole.csv"
    frame = school_export(export)
    draft = draft_mapping("ungeprofil_skole", export)
    assert draft.read == {"encoding": "cp1252", "sep": ";", "header_row": 4}
    assert draft.columns == {
        "Respondent-ID": "respondent_id",
        "År": "year",
        "Skole": "school",
        "Klassetrin": "grade",
        "Køn": "gender",
        "Prøvet alkohol": "alcohol_ever",
        "Prøvet hash": "hash_ever",
        "Prøvet andre stoffer": "other_drugs_ever",
        "Aftale med forældre om alkohol": "parent_agreement",
        "Prøvet at ryge": "smoking_ever",
    }
    assert draft.unplaced == ["Klasselærer"]  # every export column named: mapped, or to drop
    assert draft.values["gender"] == {"Andet": "other", "Dreng": "male", "Pige": "female"}
    assert draft.values["alcohol_ever"] == {"Ja": True, "Nej": False} and draft.missing == ["Ved ikke"]
    assert draft.values["grade"] == {f"{g}. klasse": g for g in (10, 6, 7, 8, 9)}
    text = draft_yaml(draft, "ungeprofil_skole", export)
    assert not any(value in text for value in (*IDS, *frame["Klasselærer"], "Skole 1"))  # no personal (or single) value


def test_the_drafted_mapping_validates_the_export(tmp_path, strategy):
    raw = write_canonical(tmp_path / "raw")
    shutil.rmtree(raw / "ungeprofil_skole")
    (raw / "ungeprofil_skole").mkdir()
    export = raw / "ungeprofil_skole" / "skole.csv"
    school_export(export)
    mapping = yaml.safe_load(draft_yaml(draft_mapping("ungeprofil_skole", export), "ungeprofil_skole", export))
    (raw / "ungeprofil_skole" / "mapping.yaml").write_text(yaml.safe_dump(mapping, allow_unicode=True), encoding="utf-8")
    frame = validate(raw, strategy)["ungeprofil_skole"].frame
    assert len(frame) == 40 and frame["gender"].tolist()[:3] == ["male", "female", "other"]
    assert frame["alcohol_ever"].isna().sum() == 10 and frame["grade"].tolist()[:5] == [6, 7, 8, 9, 10]


def test_draft_of_excel_with_dates_day_first(tmp_path):
    episodes = canonical_frames()["behandling_forloeb"].rename(
        columns={"person_id": "Borger-ID", "episode_id": "Forløbs-ID", "start_date": "Startdato", "end_date": "Slutdato", "gender": "Køn"}
    )
    for column in ("Startdato", "Slutdato"):
        episodes[column] = [pd.Timestamp(v).strftime("%d-%m-%Y") if v else "" for v in episodes[column]]
    episodes["Rusmiddel"] = episodes.pop("substance").map({"alcohol": "Alkohol", "drugs": "Stoffer"})
    path = tmp_path / "forloeb.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame([["Udtræk fra behandlingsregistret"]]).to_excel(writer, index=False, header=False)
        episodes.to_excel(writer, index=False, startrow=2)
    draft = draft_mapping("behandling_forloeb", path)
    assert draft.read == {"header_row": 3} and draft.date_format == "%d-%m-%Y"
    assert draft.columns["Startdato"] == "start_date" and draft.columns["Slutdato"] == "end_date"
    assert draft.columns["Borger-ID"] == "person_id" and draft.values["substance"] == {"Alkohol": "alcohol", "Stoffer": "drugs"}
    assert "p1" not in draft_yaml(draft, "behandling_forloeb", path)


def test_draft_of_spss_uses_its_labels_and_the_command_prints_it(tmp_path, capsys):
    pyreadstat = pytest.importorskip("pyreadstat")
    frame = pd.DataFrame({"resp_id": [f"U17-{i:04d}" for i in range(30)], "koen": [1.0, 2.0, 9.0] * 10, "hash": [1.0, 2.0, 8.0] * 10})
    path = tmp_path / "ungdom.sav"
    pyreadstat.write_sav(
        frame,
        str(path),
        variable_value_labels={"koen": {1: "Mand", 2: "Kvinde", 9: "Ønsker ikke at svare"}, "hash": {1: "Ja", 2: "Nej", 8: "Ved ikke"}},
        missing_ranges={"koen": [9], "hash": [8]},
    )
    assert main(["draft-mapping", "ungeprofil_ungdom", str(path)]) == 0
    out = capsys.readouterr().out
    drafted = yaml.safe_load(out)
    assert drafted["columns"] == {"resp_id": "respondent_id", "koen": "gender", "hash": "hash_ever"}
    assert drafted["values"]["gender"] == {"Kvinde": "female", "Mand": "male"} and drafted["values"]["hash_ever"] == {"Ja": True, "Nej": False}
    assert "U17-0001" not in out


def test_draft_places_the_optional_debut_ages_and_validates_them(demo_dirs, tmp_path, strategy):
    """The demo's school export has 'Alder første gang: ...' columns: the draft maps them to the
    debut-age columns (not to the yes/no ones whose words they contain), and the export validates."""
    raw, _ = demo_dirs
    copy = tmp_path / "raw"
    shutil.copytree(raw, copy)
    export = sorted((copy / "ungeprofil_skole").glob("*.csv"))[-1]
    mapping = yaml.safe_load(draft_yaml(draft_mapping("ungeprofil_skole", export), "ungeprofil_skole", export))
    placed = {canonical: name for name, canonical in mapping["columns"].items()}
    assert {"smoking_debut_age", "alcohol_debut_age", "hash_debut_age"} <= set(placed)
    assert placed["smoking_ever"] == "Prøvet at ryge" and placed["alcohol_ever"] == "Prøvet alkohol"
    assert not any(column.endswith("_debut_age") for column in mapping.get("values", {}))  # ages are numbers, not codes
    original = yaml.safe_load((copy / "ungeprofil_skole" / "mapping.yaml").read_text(encoding="utf-8"))
    original["columns"] = mapping["columns"]
    (copy / "ungeprofil_skole" / "mapping.yaml").write_text(yaml.safe_dump(original, allow_unicode=True), encoding="utf-8")
    frame = validate(copy, strategy)["ungeprofil_skole"].frame
    ages = frame["smoking_debut_age"].dropna()
    assert len(ages) and ages.between(8, 25).all() and frame.loc[frame["smoking_debut_age"].notna(), "smoking_ever"].all()


def test_the_draft_lists_only_words_it_classified_as_codes(tmp_path, capsys):
    """A stray CPR number and a name typed into a coded column, and a rare write-in, are never
    printed; a word the vocabulary does not know is listed (to decide) only when at least five rows
    hold it and it is a plausible word."""
    gender = ["Dreng", "Pige", "Andet", "Pige"] * 10
    gender[0], gender[1], gender[2] = "010203-1234", "Jens Hansen", "Jens Hansen"
    gender[3:6] = ["Ikke-binær"] * 3  # three rows: too rare to print
    gender[6:12] = ["Ikke oplyst kategori"] * 6
    export = tmp_path / "skole.csv"
    pd.DataFrame({"Respondent-ID": IDS, "Køn": gender, "Prøvet hash": ["Nej", "Ja"] * 19 + ["0102031234", "Måske"]}).to_csv(
        export, sep=";", index=False
    )
    assert main(["draft-mapping", "ungeprofil_skole", str(export)]) == 0
    out = capsys.readouterr().out
    drafted = yaml.safe_load(out)
    assert drafted["values"]["gender"] == {"Andet": "other", "Dreng": "male", "Pige": "female", "Ikke oplyst kategori": None}
    assert drafted["values"]["hash_ever"] == {"Ja": True, "Nej": False}
    assert not any(value in out for value in ("010203", "0102031234", "Jens", "Ikke-binær", "Måske"))


def test_the_draft_of_an_export_without_its_header_row_prints_no_value_as_a_name(tmp_path, capsys):
    export = tmp_path / "skole.csv"
    rows = pd.DataFrame({"id": IDS, "navn": [f"Elev nr {i}" for i in range(40)], "koen": ["Dreng", "Pige"] * 20, "hash": ["Nej", "Ja"] * 20})
    rows.iloc[0] = ["010203-1234", "Jens Hansen", "Dreng", "Nej"]
    rows.to_csv(export, sep=";", index=False, header=False)
    assert main(["draft-mapping", "ungeprofil_skole", str(export)]) == 0
    out = capsys.readouterr().out
    assert "# Column(s) 1, 2 (by position): the names look like values" in out and "is the header row missing?" in out
    assert not any(value in out for value in ("010203", "Jens", "Hansen"))
    drafted = yaml.safe_load(out)  # the first row's plain words may stand as names: no one's data
    assert (drafted["columns"], drafted["drop"]) == ({"Dreng": "gender"}, ["Nej"])
