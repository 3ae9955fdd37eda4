"""The strategy file against the strategy document's own targets table."""

import dataclasses
import re
from pathlib import Path

import pytest

import rusmiddel_analysis as r
from rusmiddel_analysis.config.strategy import DEFAULT_STRATEGY, StrategyError, load_strategy

from .conftest import target_entry, write_strategy_variant

SEED_TABLE = Path(__file__).parent / "fixtures" / "seed_targets_table.txt"

# Transcribed by hand from "Rusmiddelstrategiens mål" (seed 002):
# id, focus area, unit, kind, baseline 2015, target 2019.
EXPECTED = [
    ("skole_alkohol", "unge_folkeskolen", "percent", "reach", 41, 50),
    ("skole_hash", "unge_folkeskolen", "percent", "reach", 93, 97),
    ("skole_stoffer", "unge_folkeskolen", "percent", "reach", 98, 100),
    ("skole_foraeldreaftale", "unge_folkeskolen", "percent", "reach", 62, 75),
    ("ungdom_alkohol", "unge_ungdomsuddannelserne", "percent", "maintain", 34, 34),
    ("ungdom_hash", "unge_ungdomsuddannelserne", "percent", "maintain", 68, 68),
    ("ungdom_stoffer", "unge_ungdomsuddannelserne", "percent", "maintain", 91, 91),
    ("behandling_stof_effekt", "effekt_af_behandling", "percent", "at_least", 35, 45),
    ("behandling_alkohol_effekt", "effekt_af_behandling", "percent", "at_least", 57, 60),
    ("behandling_antal", "borgere_i_behandling", "persons", "reach", 611, 703),
]


def seed_rows():
    """The seed table's target rows as (goal, criterion, status 2015) cells.

    A row broken across a page continues on the next tab-separated line; such
    cells are joined back together.
    """
    rows = []
    for line in SEED_TABLE.read_text(encoding="utf-8").splitlines():
        cells = [re.sub(r"</?[ui]>", "", c).strip() for c in line.split("\t")]
        if len(cells) != 3 or not cells[1] or cells[0] == "Mål":
            continue
        if rows and not rows[-1][0].endswith("."):
            rows[-1] = [f"{a} {b}" for a, b in zip(rows[-1], cells, strict=True)]
        else:
            rows.append(cells)
    return [tuple(r) for r in rows]


def test_seed_parser_finds_ten_rows():
    assert len(seed_rows()) == 10


def test_ten_targets_in_order():
    assert load_strategy().target_ids == [row[0] for row in EXPECTED]


@pytest.mark.parametrize("tid, focus, unit, kind, baseline, target", EXPECTED)
def test_target_fields(tid, focus, unit, kind, baseline, target):
    t = load_strategy().target(tid)
    assert (t.focus_area, t.unit, t.kind) == (focus, unit, kind)
    assert (t.baseline_year, t.baseline_value) == (2015, baseline)
    assert (t.target_year, t.target_value) == (2019, target)
    assert t.polarity == "higher_is_better"
    # goal and success criterion are the strategy's own sentences, cell for cell
    assert (t.goal.da, t.success_criterion.da) in [(goal, criterion) for goal, criterion, _ in seed_rows()]
    for part in ("population", "numerator", "denominator", "data_source"):
        assert t.definition[part].da and t.definition[part].en


def test_values_agree_with_seed_table_parsed_independently():
    """Pull every 'NN %' success criterion and status out of the seed text and compare."""
    seed = re.sub(r"</?[ui]>", "", SEED_TABLE.read_text(encoding="utf-8"))
    criteria = [int(x) for x in re.findall(r"(?:I 2019 (?:har|er det)|Mindst) (\d+) %", seed)]
    statuses = [int(x) for x in re.findall(r"\t(\d+) % (?:af|elever)", seed)]
    shares = [t for t in load_strategy().targets if t.unit == "percent" and t.id != "skole_stoffer"]
    assert criteria == [t.target_value for t in shares]
    assert [int(x) for x in re.findall(r"\t(\d+) % af", seed)] == [t.baseline_value for t in load_strategy().targets if t.unit == "percent"]
    assert "ingen elever i 6.-10. klasse prøvet at tage stoffer" in seed  # 100 % for skole_stoffer
    assert "703 borgere" in seed and "611 borgere" in seed and "øget med 15 %" in seed
    assert statuses  # the regex found the status column


def test_strategy_frame():
    s = load_strategy()
    assert s.municipality == "Aalborg Kommune"
    assert (s.period_start, s.period_end) == (2016, 2019)
    assert s.responsible.da == "Familie- og Beskæftigelsesforvaltningen"
    assert [(m.year, m.kind) for m in s.milestones] == [(2017, "midterm_status"), (2019, "final_evaluation")]
    assert [c.name.da for c in s.core_efforts] == ["Forebyggelse og tidlig opsporing", "Behandling"]
    assert [(f.name.da, s.core_effort(f.core_effort).name.da) for f in s.focus_areas] == [
        ("Unge i folkeskolen", "Forebyggelse og tidlig opsporing"),
        ("Unge på ungdomsuddannelserne", "Forebyggelse og tidlig opsporing"),
        ("Effekt af behandling", "Behandling"),
        ("Borgere i behandling", "Behandling"),
    ]
    assert s.code_sets["drinks_regularly"] == ("weekly", "several_times_weekly", "daily")


def test_loader_accepts_a_path_and_package_level_access():
    assert r.load_strategy(DEFAULT_STRATEGY).target_ids == load_strategy().target_ids


# --- malformed files -----------------------------------------------------------------------

_write_mutated = write_strategy_variant
_target = target_entry


MALFORMED = [
    ("missing field", lambda raw: _target(raw, "skole_hash").pop("unit"), "target 'skole_hash', field 'unit': missing required field"),
    (
        "unknown focus area",
        lambda raw: _target(raw, "ungdom_hash").update(focus_area="unge_paa_gaden"),
        "target 'ungdom_hash', field 'focus_area': unknown focus area 'unge_paa_gaden'",
    ),
    (
        "duplicate id",
        lambda raw: raw["targets"].append(dict(_target(raw, "skole_alkohol"))),
        "target 'skole_alkohol', field 'id': duplicate target id",
    ),
    (
        "baseline after target",
        lambda raw: _target(raw, "skole_stoffer")["baseline"].update(year=2020),
        "target 'skole_stoffer', field 'baseline.year': baseline year 2020 must come before target year 2019",
    ),
    (
        "non-numeric value",
        lambda raw: _target(raw, "behandling_stof_effekt")["target"].update(value="45 %"),
        "target 'behandling_stof_effekt', field 'target.value': must be a number",
    ),
    (
        "inconsistent 15 %",
        lambda raw: _target(raw, "behandling_antal")["target"].update(value=700),
        "target 'behandling_antal', field 'target.value': baseline 611 plus 15 % is 703, not 700",
    ),
    (
        "persons not a whole number",
        lambda raw: _target(raw, "behandling_antal")["baseline"].update(value=611.5),
        "target 'behandling_antal', field 'baseline.value': a number of persons must be a whole number >= 0",
    ),
    (
        "a 100 % goal met at its baseline",
        lambda raw: _target(raw, "skole_stoffer")["baseline"].update(value=99.7),
        "target 'skole_stoffer', field 'baseline.value': baseline 99.7 % already lies within settings.extreme_goal_tolerance (0.5 points) "
        "of the 100 % goal, so the goal would count as met at the baseline; use kind 'maintain' or a smaller tolerance",
    ),
    (
        "a 0 % goal met at its baseline, exactly at the tolerance",
        lambda raw: (
            raw["settings"].update(extreme_goal_tolerance=2),
            _target(raw, "skole_stoffer").update(polarity="lower_is_better", baseline={"year": 2015, "value": 2}, target={"year": 2019, "value": 0}),
        ),
        "target 'skole_stoffer', field 'baseline.value': baseline 2 % already lies within settings.extreme_goal_tolerance (2 points) of the 0 % goal",
    ),
    (
        "one cluster enough",
        lambda raw: raw["settings"]["data_quality"].update(min_clusters=1),
        "field 'settings.data_quality.min_clusters': must be a whole number of clusters, at least 2",
    ),
    (
        "maintain not equal",
        lambda raw: _target(raw, "ungdom_alkohol")["target"].update(value=36),
        "target 'ungdom_alkohol', field 'target.value': a 'maintain' target must equal its baseline (34), not 36",
    ),
    (
        "method break without what changed",
        lambda raw: raw["method_breaks"][0].pop("sources"),
        "field 'method_breaks[0]': must name the sources or the targets whose measurement changed",
    ),
    (
        "method break of an unknown target",
        lambda raw: raw["method_breaks"][0].update(targets=["skole_rygning"]),
        "field 'method_breaks[0].targets': unknown target id(s) skole_rygning",
    ),
    (
        "coverage caveat not a fraction",
        lambda raw: raw["settings"]["caveats"].update(min_common_coverage=90),
        "field 'settings.caveats.min_common_coverage': must be a fraction between 0 and 1",
    ),
    (
        "missing text",
        lambda raw: _target(raw, "skole_hash")["goal"].pop("en"),
        "target 'skole_hash', field 'goal': must give non-empty text for both 'da' and 'en'",
    ),
    # ids that become file or folder names: never a path
    (
        "strategy id a relative path",
        lambda raw: raw["strategy"].update(id="../../etc"),
        "field 'strategy.id': must be a plain name for files and folders",
    ),
    ("strategy id an absolute path", lambda raw: raw["strategy"].update(id="/tmp/outputs"), "field 'strategy.id': must be a plain name for files"),
    (
        "target id a path",
        lambda raw: _target(raw, "skole_hash").update(id="../skole_hash"),
        "target '../skole_hash', field 'id': must be a lower-case",
    ),
    ("target id of a page", lambda raw: _target(raw, "skole_hash").update(id="index"), "target 'index', field 'id': 'index' is the name of a year's"),
    # a field of one text never holds a list or a mapping
    ("municipality a list", lambda raw: raw["strategy"].update(municipality=["Aalborg"] * 3), "field 'strategy.municipality': must be a text"),
    (
        "focus area a list",
        lambda raw: _target(raw, "skole_hash").update(focus_area=["unge_folkeskolen"]),
        "target 'skole_hash', field 'focus_area': must be a text",
    ),
    ("settings a list", lambda raw: raw["settings"].update(disclosure=[5, 20]), "field 'settings.disclosure': must be a mapping"),
    # the floors of disclosure control: raised, never lowered
    (
        "smallest cell under the floor",
        lambda raw: raw["settings"]["disclosure"].update(min_cell=3),
        "field 'settings.disclosure.min_cell': must be at least 5, the floor no strategy can lower (docs/methodology.md, section 7)",
    ),
    (
        "smallest group under the floor",
        lambda raw: raw["settings"]["disclosure"].update(min_group_size=10),
        "field 'settings.disclosure.min_group_size': must be at least 20, the floor",
    ),
    (
        "large group under the floor",
        lambda raw: raw["settings"]["disclosure"].update(large_group=500),
        "field 'settings.disclosure.large_group': must be at least 1000, the floor",
    ),
    (
        "0 %/100 % group under the floor",
        lambda raw: raw["settings"]["disclosure"].update(all_or_none_min_group=30),
        "field 'settings.disclosure.all_or_none_min_group': must be at least 50",
    ),
    (
        "0 %/100 % rule switched off",
        lambda raw: raw["settings"]["disclosure"].update(all_or_none_health_data=False),
        "field 'settings.disclosure.all_or_none_health_data': must stay true",
    ),
]


@pytest.mark.parametrize("case, mutate, message", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_file_is_rejected_with_file_target_and_field(tmp_path, case, mutate, message):
    path = _write_mutated(tmp_path, mutate)
    with pytest.raises(StrategyError) as info:
        load_strategy(path)
    found = re.fullmatch(rf"{re.escape(str(path))}, line (\d+): {re.escape(message)}.*", str(info.value), re.S)
    assert found, str(info.value)
    # the line is the failing field's key, or the target (or list item) that lacks it
    line = path.read_text(encoding="utf-8").splitlines()[int(found.group(1)) - 1]
    field = message.split("field '")[1].split("'")[0] if "field '" in message else ""
    last = re.split(r"[.\[\]]", field.rstrip("]"))[-1] if field else ""
    target = message.split("target '")[1].split("'")[0] if "target '" in message else None
    assert (last and f"{last}:" in line) or (target and f"id: {target}" in line) or line.lstrip().startswith("- "), (line, message)


def test_missing_and_unparsable_files(tmp_path):
    with pytest.raises(StrategyError, match="file not found"):
        load_strategy(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("targets: [unclosed", encoding="utf-8")
    with pytest.raises(StrategyError, match="not valid YAML"):
        load_strategy(bad)
    # a tab where YAML wants spaces, on line 3: the message says where
    bad.write_text("strategy:\n  id: x\n\tname: y\n", encoding="utf-8")
    with pytest.raises(StrategyError, match=r"bad.yaml, line 3: not valid YAML: found a tab character"):
        load_strategy(bad)


def test_15_percent_rule_is_round_half_up():
    # 611 * 1.15 = 702.65 -> 703
    assert load_strategy().target("behandling_antal").increase_percent == 15


@pytest.mark.parametrize(
    "baseline, goal, field",
    [(-3.5, 7.25, "baseline.value"), (611, 7.25, "target.value")],
    ids=["a negative fraction as baseline", "a fraction as goal"],
)
def test_a_persons_target_takes_whole_numbers_of_at_least_0_in_both_loaders(tmp_path, baseline, goal, field):
    """The rule on a persons target's baseline and goal once sat where it never ran: both loaders refuse now."""
    from rusmiddel_analysis.ingest.strategy_check import load_checked_strategy

    def persons(raw):
        entry = _target(raw, "behandling_antal")
        entry["baseline"]["value"], entry["target"]["value"] = baseline, goal
        entry["target"].pop("increase_percent", None)

    path = _write_mutated(tmp_path, persons)
    message = f"target 'behandling_antal', field '{field}': a number of persons must be a whole number >= 0"
    for loader in (load_strategy, load_checked_strategy):
        with pytest.raises(StrategyError, match=rf"^{re.escape(str(path))}, line \d+: {re.escape(message)}$"):
            loader(path)


def test_method_breaks_and_caveat_settings_are_read():
    s = load_strategy()
    (broken,) = s.method_breaks
    assert (broken.year, broken.sources, broken.targets) == (2018, ("behandling_opfoelgning",), ())
    assert "behandler" in broken.text("da") and "therapist" in broken.text("en")
    assert dataclasses.asdict(s.settings.caveats) == {"max_standardisation_gap": 1.0, "min_common_coverage": 0.9}
    assert (s.settings.rate_per, s.settings.min_dispersion_points) == (10000, 4)


CHECKED = [
    (
        "misspelled code",
        lambda raw: raw["code_sets"].update(drinks_regularly=["weekly", "several_times_a_week", "daily"]),
        "target 'ungdom_alkohol', field 'indicator.success': unknown code(s) 'several_times_a_week' for column 'alcohol_frequency'",
    ),
    (
        "a word on a yes/no column",
        lambda raw: _target(raw, "skole_hash")["indicator"].update(success={"equals": "Nej"}),
        "target 'skole_hash', field 'indicator.success': column 'hash_ever' is yes/no: write equals: true or equals: false, not 'Nej'",
    ),
    (
        "a column of the other survey",
        lambda raw: _target(raw, "skole_alkohol")["indicator"].update(column="alcohol_frequency"),
        "target 'skole_alkohol', field 'indicator.column': no column 'alcohol_frequency' in source 'ungeprofil_skole' "
        "(it is a column of ungeprofil_ungdom)",
    ),
    (
        "unknown source",
        lambda raw: _target(raw, "skole_alkohol")["indicator"].update(source="ungeprofilen"),
        "target 'skole_alkohol', field 'indicator.source': unknown source 'ungeprofilen'",
    ),
    (
        "a share in persons",
        lambda raw: _target(raw, "skole_hash").update(unit="persons"),
        "target 'skole_hash', field 'unit': a share target is measured in percent, not persons",
    ),
    (
        "target year after the period",
        lambda raw: _target(raw, "skole_hash")["target"].update(year=2021),
        "target 'skole_hash', field 'target.year': 2021 lies outside the period 2016-2019",
    ),
    (
        "a high-risk behaviour that is no yes/no column",
        lambda raw: raw["settings"]["high_risk"].update(behaviours=["smoking_ever", "ryger"]),
        "field 'settings.high_risk.behaviours': 'ryger' is not a yes/no column of 'ungeprofil_skole'",
    ),
    (
        "a debut age that is no whole-number column",
        lambda raw: raw["settings"]["high_risk"]["debut_ages"].update(hash_ever="hash_ever"),
        "field 'settings.high_risk.debut_ages.hash_ever': 'hash_ever' is not a whole-number column of 'ungeprofil_skole'",
    ),
    (
        "unknown status code",
        lambda raw: raw["code_sets"].update(treatment_success=["abstinent", "reduced_use"]),
        "target 'behandling_stof_effekt', field 'indicator.success': unknown status code(s) 'reduced_use'",
    ),
]


@pytest.mark.parametrize("case, mutate, message", CHECKED, ids=[c[0] for c in CHECKED])
def test_strategy_is_checked_against_the_data_formats(tmp_path, case, mutate, message):
    from rusmiddel_analysis.ingest.strategy_check import StrategyCheckError, load_checked_strategy

    path = _write_mutated(tmp_path, mutate)
    with pytest.raises(StrategyCheckError) as info:
        load_checked_strategy(path)
    listed = str(info.value).splitlines()
    assert listed[0].startswith(f"{path}: ") and "problem(s) with the data it names" in listed[0]
    hit = next((line for line in listed[1:] if message in line), None)
    assert hit, str(info.value)
    # the line number points at the field's key in the file
    number = int(re.search(r"line (\d+):", hit).group(1))
    key = message.split("field '")[1].split("'")[0].split(".")[-1]
    assert f"{key}:" in path.read_text(encoding="utf-8").splitlines()[number - 1]


def test_every_problem_is_listed_at_once_and_the_command_says_so(tmp_path, capsys):
    from rusmiddel_analysis.cli import main

    def two_wrongs(raw):
        _target(raw, "skole_hash")["indicator"].update(success={"equals": "Nej"})
        _target(raw, "skole_alkohol")["indicator"].update(column="alkohol")

    path = _write_mutated(tmp_path, two_wrongs)
    assert main(["check-strategy", str(path)]) == 2
    err = capsys.readouterr().err
    assert "2 problem(s)" in err and "skole_hash" in err and "no column 'alkohol'" in err and "Traceback" not in err
    assert main(["check-strategy"]) == 0
    assert "fits the data formats" in capsys.readouterr().out


@pytest.mark.parametrize(
    "mutate, message",
    [
        (
            lambda raw: _target(raw, "skole_alkohol").update(baseline={"year": 2015, "value": 0.41}, target={"year": 2019, "value": 0.5}),
            "looks like a fraction",
        ),
        (
            lambda raw: _target(raw, "behandling_stof_effekt")["indicator"].update(basis="follow_up"),
            "field 'indicator.follow_up_months': must be one of 1, 6, 12",
        ),
        (
            lambda raw: _target(raw, "skole_hash").update(kind="at_least", polarity="lower_is_better"),
            "kind 'at_least' needs polarity 'higher_is_better'",
        ),
    ],
)
def test_fractions_incomplete_follow_up_and_kind_against_polarity_are_refused(tmp_path, mutate, message):
    path = _write_mutated(tmp_path, mutate)
    with pytest.raises(StrategyError, match=re.escape(message)):
        load_strategy(path)


def test_control_characters_in_a_strategy_file_never_reach_the_terminal(tmp_path, capsys):
    from rusmiddel_analysis.cli import main

    path = _write_mutated(tmp_path, lambda raw: _target(raw, "ungdom_hash").update(focus_area="unge\x1b[2J\x1b[31m"))
    assert main(["check-strategy", str(path)]) == 2
    err = capsys.readouterr().err
    assert "field 'focus_area': unknown focus area 'unge[2J[31m'" in err and "\x1b" not in err


def test_disclosure_rules_can_be_raised_above_their_floors(tmp_path):
    from rusmiddel_analysis.config.settings import DISCLOSURE_FLOORS, Disclosure

    assert {name: getattr(Disclosure(), name) for name in DISCLOSURE_FLOORS} == DISCLOSURE_FLOORS  # the defaults are the floors
    path = _write_mutated(tmp_path, lambda raw: raw["settings"]["disclosure"].update(min_cell=10, min_group_size=30, large_group=2000))
    disclosure = load_strategy(path).settings.disclosure
    assert (disclosure.min_cell, disclosure.min_group_size, disclosure.large_group) == (10, 30, 2000)


def test_a_path_as_strategy_id_stops_every_command(tmp_path, capsys):
    from rusmiddel_analysis.cli import main

    path = _write_mutated(tmp_path, lambda raw: raw["strategy"].update(id=str(tmp_path / "elsewhere")))
    outputs, raw = tmp_path / "outputs", tmp_path / "raw"
    for command in (["check-strategy"], ["demo-data", "--raw", str(raw)], ["report", "--outputs", str(outputs), "--processed", str(tmp_path)]):
        assert main(["--strategy", str(path), *command]) == 2
        err = capsys.readouterr().err
        assert f"{path}, line 2: field 'strategy.id': must be a plain name" in err and len(err.strip().splitlines()) == 1
    assert not outputs.exists() and not raw.exists() and not (tmp_path / "elsewhere").exists()


def test_reserved_target_ids_are_the_names_of_a_years_own_pages_and_notebooks():
    from rusmiddel_analysis.config.strategy import RESERVED_TARGET_IDS, TARGET_ID
    from rusmiddel_analysis.publish.jobs import NOTEBOOK_FILES, PAGE_NAMES

    own = {Path(name).stem for kind, name in NOTEBOOK_FILES.items() if kind in PAGE_NAMES} | set(PAGE_NAMES.values())
    assert {name for name in own if TARGET_ID.fullmatch(name)} == set(RESERVED_TARGET_IDS)


def alias_bomb(levels: int = 9) -> str:
    """A 'billion laughs' YAML block: each level a list of nine aliases to the level below (9**9 strings)."""
    lines = ["lol0: &lol0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level in range(1, levels):
        lines.append(f"lol{level}: &lol{level} [{', '.join([f'*lol{level - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_in_a_strategy_file_is_refused_with_its_line(tmp_path, capsys):
    """A bomb that expanded would fill the memory (the test would hang or die): refused at once, in one line."""
    from rusmiddel_analysis.cli import main

    text = DEFAULT_STRATEGY.read_text(encoding="utf-8")
    assert "  municipality: Aalborg Kommune\n" in text
    path = tmp_path / "bomb.yaml"
    path.write_text(alias_bomb() + text.replace("  municipality: Aalborg Kommune\n", "  municipality: *lol8\n"), encoding="utf-8")
    assert main(["check-strategy", str(path)]) == 2
    err = capsys.readouterr().err
    assert re.fullmatch(
        rf"rusmiddel: error: {re.escape(str(path))}, line [1-9]: not valid YAML: more than 100,000 values once its aliases are expanded.*\n", err
    )
    path.write_text(text.replace("  municipality: Aalborg Kommune\n", "  municipality: &self [*self]\n"), encoding="utf-8")
    with pytest.raises(StrategyError, match=r"line \d+: not valid YAML: an alias refers to a collection that contains it"):
        load_strategy(path)
    # a small alias is still YAML: it is the list it names that the loader refuses, as a text field
    path.write_text(
        "names: &names [Aalborg, Kommune]\n" + text.replace("  municipality: Aalborg Kommune\n", "  municipality: *names\n"), encoding="utf-8"
    )
    with pytest.raises(StrategyError, match="field 'strategy.municipality': must be a text"):
        load_strategy(path)


def test_a_strategy_file_that_is_not_utf8_names_its_line(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("strategy:\n  id: x\n  municipality: Århus Kommune\n".encode("cp1252"))
    with pytest.raises(StrategyError, match=r"latin1.yaml, line 3: not valid YAML: not UTF-8 text"):
        load_strategy(path)
