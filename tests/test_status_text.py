import pytest

from rusmiddel_analysis.ingest.demo import STATUS_2017
from rusmiddel_analysis.ingest.status_text import StatusTextError, read_status_text


def test_shipped_2017_status_parses_into_the_four_focus_areas(tmp_path, strategy):
    (tmp_path / "2017.md").write_bytes(STATUS_2017.read_bytes())
    status = read_status_text(strategy, tmp_path, 2017)
    focus_ids = [f.id for f in strategy.focus_areas]
    assert [k for k in status.sections if k in focus_ids] == focus_ids
    assert "Tallene for 2017 kan ikke anvendes" in status.sections["effekt_af_behandling"]
    assert "SOSU Nord" in status.sections["unge_ungdomsuddannelserne"]
    assert "Rusmiddelkatalog" in status.sections["forebyggelse"]  # core-effort level text


def test_missing_and_empty_files(tmp_path, strategy):
    assert not read_status_text(strategy, tmp_path, 2018).exists
    (tmp_path / "2018.md").write_text("  \n<!-- nothing yet -->\n")
    status = read_status_text(strategy, tmp_path, 2018)
    assert status.exists and status.empty and status.sections == {}


def test_unknown_heading_lists_the_valid_ones(tmp_path, strategy):
    (tmp_path / "2019.md").write_text("# Unge i folkeskolen\ntekst\n## Ældre borgere\nmere\n", encoding="utf-8")
    with pytest.raises(StatusTextError) as info:
        read_status_text(strategy, tmp_path, 2019)
    message = str(info.value)
    assert "line 3: unknown heading 'Ældre borgere'" in message
    assert "valid headings: Forebyggelse og tidlig opsporing, Behandling, Unge i folkeskolen" in message


def test_english_names_and_kerneindsats_prefix_are_accepted(tmp_path, strategy):
    (tmp_path / "2019.md").write_text("# Kerneindsats 2: Behandling\nA\n## Effect of treatment\nB\n### Free sub-heading\nC\n", encoding="utf-8")
    status = read_status_text(strategy, tmp_path, 2019)
    assert status.sections == {"behandling": "A", "effekt_af_behandling": "B\n### Free sub-heading\nC"}
