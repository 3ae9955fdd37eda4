"""SPSS exports: value labels applied, user-defined missing codes made explicit no-answers."""

import json

import pandas as pd
import pyreadstat

from rusmiddel_analysis.ingest.process import process

from .conftest import canonical_frames, write_canonical


def test_user_missing_codes_become_no_answer_and_are_counted(tmp_path, strategy):
    frames = canonical_frames()
    del frames["ungeprofil_ungdom"]
    raw = write_canonical(tmp_path / "raw", frames)
    folder = raw / "ungeprofil_ungdom"
    folder.mkdir()
    sav = pd.DataFrame(
        {
            "id": ["U1", "U2", "U3", "U4", "U5"],
            "aar": [2017.0] * 5,
            "inst": ["X"] * 5,
            "udd": [1.0, 1.0, 5.0, 5.0, 1.0],
            "koen": [1.0, 2.0, 9.0, 1.0, 2.0],
            "alder": [16.0, 17.0, 18.0, 19.0, 17.0],
            "alk": [1.0, 4.0, 8.0, 9.0, 6.0],
            "hash": [1.0, 2.0, 2.0, 8.0, 1.0],
            "stof": [2.0, 2.0, 2.0, 2.0, 9.0],
        }
    )
    yes_no = {1: "Ja", 2: "Nej", 8: "Ved ikke", 9: "Ønsker ikke at svare"}
    pyreadstat.write_sav(
        sav,
        str(folder / "u.sav"),
        variable_value_labels={
            "udd": {1: "STX", 5: "EUD"},
            "koen": {1: "Mand", 2: "Kvinde", 9: "Ønsker ikke at svare"},
            "alk": {1: "Aldrig", 4: "Hver uge", 6: "Dagligt", 8: "Ved ikke", 9: "Ønsker ikke at svare"},
            "hash": yes_no,
            "stof": yes_no,
        },
        missing_ranges={"koen": [9], "alk": [8, 9], "hash": [8, 9], "stof": [8, 9]},
    )
    (folder / "mapping.yaml").write_text(
        "columns: {id: respondent_id, aar: year, inst: institution, udd: education_type, koen: gender, alder: age,\n"
        "          alk: alcohol_frequency, hash: hash_ever, stof: other_drugs_ever}\n"
        "values:\n  education_type: {STX: stx, EUD: eud}\n  gender: {Mand: male, Kvinde: female}\n"
        "  alcohol_frequency: {Aldrig: never, Hver uge: weekly, Dagligt: daily}\n"
        "  hash_ever: {Ja: true, Nej: false}\n  other_drugs_ever: {Ja: true, Nej: false}\n",
        encoding="utf-8",
    )
    manifest = process(raw, tmp_path / "processed", strategy)
    frame = pd.read_parquet(tmp_path / "processed" / "ungeprofil_ungdom.parquet")
    assert frame["alcohol_frequency"].astype(object).where(frame["alcohol_frequency"].notna(), None).tolist() == [
        "never",
        "weekly",
        None,
        None,
        "daily",
    ]
    assert frame["hash_ever"].astype(object).where(frame["hash_ever"].notna(), None).tolist() == [True, False, False, None, True]
    assert frame["gender"].isna().tolist() == [False, False, True, False, False]
    assert frame["education_type"].tolist() == ["stx", "stx", "eud", "eud", "stx"]
    assert manifest["sources"]["ungeprofil_ungdom"]["declared_missing"] == {
        "gender": 1,
        "alcohol_frequency": 2,
        "hash_ever": 1,
        "other_drugs_ever": 1,
    }
    assert json.loads((tmp_path / "processed" / "manifest.json").read_text())["sources"]["ungeprofil_ungdom"]["rows"] == 5
