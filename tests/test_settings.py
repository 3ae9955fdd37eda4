"""The strategy file's typed settings (config/settings.py): one place for each default, one test for each rule."""

import dataclasses
import inspect
import re

import pytest

from rusmiddel_analysis.config import settings as settings_module
from rusmiddel_analysis.config.settings import (
    Disclosure,
    HighRisk,
    SettingError,
    StrategySettings,
    settings_from_yaml,
)
from rusmiddel_analysis.config.strategy import StrategyError, load_strategy

from .conftest import write_strategy_variant

# (the guard in config/settings.py, how the file is changed, the message: the setting it names and its rule)
RULES = [
    (
        "check_mapping",
        lambda s: s.update(caveats=[1.0, 0.9]),
        "field 'settings.caveats': must be a mapping of names to values",
    ),
    (
        "check_number",
        lambda s: s["progress_thresholds"].update(on_track="high"),
        "field 'settings.progress_thresholds.on_track': must be a number",
    ),
    (
        "check_flag",
        lambda s: s["disclosure"].update(all_or_none_health_data="yes"),
        "field 'settings.disclosure.all_or_none_health_data': must be true or false",
    ),
    (
        "check_block_values",  # a name the block does not know must still be a number
        lambda s: s["data_quality"].update(min_answers="many"),
        "field 'settings.data_quality.min_answers': must be a number",
    ),
    ("check_level", lambda s: s.update(trend_confidence=1.5), "field 'settings.trend_confidence': must lie strictly between 0 and 1"),
    ("check_not_negative", lambda s: s.update(maintain_margin_points=-1), "field 'settings.maintain_margin_points': must be 0 or more"),
    (
        "check_extreme_goal_tolerance",
        lambda s: s.update(extreme_goal_tolerance=50),
        "field 'settings.extreme_goal_tolerance': a tolerance for a 0 %/100 % goal must lie between 0 and 50 percentage points",
    ),
    (
        "check_min_points",
        lambda s: s.update(min_projection_points=2),
        "field 'settings.min_projection_points': must be a whole number of measured years, at least 3",
    ),
    (
        "check_min_clusters",
        lambda s: s["data_quality"].update(min_clusters=2.5),
        "field 'settings.data_quality.min_clusters': must be a whole number of clusters, at least 2 (one gives no spread between clusters)",
    ),
    ("check_rate_per", lambda s: s.update(rate_per=0), "field 'settings.rate_per': must be greater than 0, e.g. 10000"),
    (
        "check_source_kinds",
        lambda s: s.update(source_kinds={"ungeprofil_ungdom": "panel"}),
        "field 'settings.source_kinds.ungeprofil_ungdom': must be one of survey, register",
    ),
    (
        "check_age_bands",
        lambda s: s.update(age_bands=[[0, 24, "under 25"], [25, "34"]]),
        "field 'settings.age_bands': must list age bands as [lowest age, highest age, label], e.g. [[0, 24, under 25], [25, 34, 25-34]]",
    ),
    (
        "check_round_sizes",
        lambda s: s["disclosure"].update(round_sizes=0),
        "field 'settings.disclosure.round_sizes': must be a whole number of persons, 1 or more (1: sizes exact)",
    ),
    (
        "check_common_coverage",
        lambda s: s["caveats"].update(min_common_coverage=1.5),
        "field 'settings.caveats.min_common_coverage': must be a fraction between 0 and 1",
    ),
    (
        "check_standardisation_gap",
        lambda s: s["caveats"].update(max_standardisation_gap=-0.5),
        "field 'settings.caveats.max_standardisation_gap': must be 0 or more percentage points",
    ),
    (
        "check_floor",
        lambda s: s["disclosure"].update(min_cell=5.5),
        "field 'settings.disclosure.min_cell': must be a whole number of persons",
    ),
    ("check_high_risk_source", lambda s: s["high_risk"].update(source=5), "field 'settings.high_risk.source': must name a source"),
    (
        "check_behaviours",
        lambda s: s["high_risk"].update(behaviours=["smoking_ever"]),
        "field 'settings.high_risk.behaviours': must list at least two yes/no columns",
    ),
    (
        "check_early_grades",
        lambda s: s["high_risk"].update(early_grades=[6.5, 7]),
        "field 'settings.high_risk.early_grades': must list whole grades, e.g. [6, 7]",
    ),
    (
        "check_multiple",
        lambda s: s["high_risk"].update(multiple=5),
        "field 'settings.high_risk.multiple': must be a whole number of behaviours from 2 to 4",
    ),
    (
        "check_debut_ages",
        lambda s: s["high_risk"].update(debut_ages=["smoking_debut_age"]),
        "field 'settings.high_risk.debut_ages': must map a behaviour to its debut-age column, e.g. {smoking_ever: smoking_debut_age}",
    ),
    ("check_early_age", lambda s: s["high_risk"].update(early_age=30), "field 'settings.high_risk.early_age': must be a whole age from 9 to 25"),
    (
        "check_known_names",
        lambda s: s.update(comparators={"area": ["Hele landet"]}),
        "field 'settings.comparators': unknown setting(s) area; valid: areas",
    ),
    (
        "check_areas",
        lambda s: s.update(comparators={"areas": ["Hele landet", "Hele landet"]}),
        "field 'settings.comparators.areas': must list distinct area names as the comparator files write them "
        "(e.g. [Hele landet, Region Nordjylland]), or be left out",
    ),
]


@pytest.mark.parametrize("guard, change, message", RULES, ids=[rule[0] for rule in RULES])
def test_each_rule_refuses_a_setting_naming_it_and_its_line(tmp_path, guard, change, message):
    path = write_strategy_variant(tmp_path, lambda raw: change(raw["settings"]))
    with pytest.raises(StrategyError) as info:
        load_strategy(path)
    found = re.fullmatch(rf"{re.escape(str(path))}, line (\d+): {re.escape(message)}", str(info.value))
    assert found, str(info.value)
    setting = message.split("field '")[1].split("'")[0].split(".")[-1]
    assert f"{setting}:" in path.read_text(encoding="utf-8").splitlines()[int(found.group(1)) - 1]


def test_every_guard_has_its_test():
    guards = {name for name, _ in inspect.getmembers(settings_module, inspect.isfunction) if name.startswith("check_")}
    assert guards == {rule[0] for rule in RULES}


def test_each_confidence_level_and_margin_is_checked():
    for name in ("confidence", "change_confidence", "trend_confidence"):
        with pytest.raises(SettingError, match=rf"^settings\.{name}: must lie strictly between 0 and 1$"):
            settings_from_yaml({name: 0})
    for name in ("maintain_margin_points", "maintain_margin_relative"):
        with pytest.raises(SettingError, match=rf"^settings\.{name}: must be 0 or more$"):
            settings_from_yaml({name: -0.1})
    with pytest.raises(SettingError, match=r"^settings\.min_dispersion_points: must be a whole number of measured years, at least 3$"):
        settings_from_yaml({"min_dispersion_points": 4.0})


def test_every_floor_is_checked():
    for name, floor in {"min_group_size": 20, "min_cell": 5, "all_or_none_min_group": 50, "large_group": 1000}.items():
        with pytest.raises(SettingError, match=rf"^settings\.disclosure\.{name}: must be at least {floor}, the floor no strategy can lower"):
            settings_from_yaml({"disclosure": {name: floor - 1}})
    with pytest.raises(SettingError, match=r"^settings\.disclosure\.all_or_none_health_data: must stay true"):
        settings_from_yaml({"disclosure": {"all_or_none_health_data": False}})


def test_defaults_come_from_one_place(tmp_path):
    """A file without settings, or with an empty block, has the dataclasses' defaults; the statistics'
    defaults and the disclosure rules' are the same objects' values."""
    from rusmiddel_analysis.calc import stats
    from rusmiddel_analysis.calc.disclosure import Rules
    from rusmiddel_analysis.config import strategy as strategy_module
    from rusmiddel_analysis.publish.privacy import Gate

    assert settings_from_yaml({}) == StrategySettings()
    for change in (lambda raw: raw.update(settings={}), lambda raw: raw.pop("settings")):
        assert load_strategy(write_strategy_variant(tmp_path, change)).settings == StrategySettings()
    defaults = StrategySettings()
    assert (stats.CONFIDENCE, stats.TREND_CONFIDENCE, stats.MIN_PROJECTION_POINTS) == (0.95, 0.95, 4)
    assert (defaults.confidence, defaults.trend_confidence, defaults.min_projection_points) == (0.95, 0.95, 4)
    assert dataclasses.asdict(Rules()) == dataclasses.asdict(Disclosure()) == dataclasses.asdict(Rules.from_settings(defaults))
    assert Gate().min_cell == Disclosure().min_cell == 5
    assert not hasattr(strategy_module, "SETTINGS_DEFAULTS")


def test_a_block_given_in_part_keeps_the_other_defaults():
    read = settings_from_yaml({"disclosure": {"min_cell": 10}, "high_risk": {"behaviours": ["smoking_ever", "hash_ever"]}})
    assert read.disclosure == dataclasses.replace(Disclosure(), min_cell=10)
    # the default debut ages, for the behaviours the file lists
    assert read.high_risk == dataclasses.replace(
        HighRisk(), behaviours=["smoking_ever", "hash_ever"], debut_ages={"smoking_ever": "smoking_debut_age", "hash_ever": "hash_debut_age"}
    )
    assert dataclasses.asdict(read)["disclosure"]["min_cell"] == 10


def test_unknown_names_are_ignored_outside_the_blocks_of_numbers_and_comparators():
    read = settings_from_yaml({"colour": "red", "high_risk": {"colour": "red"}, "caveats": {"max_gap": 2}})
    assert read == StrategySettings()


def test_settings_are_read_by_attribute_and_cannot_be_changed():
    settings = load_strategy().settings
    assert settings.disclosure.min_cell == 5 and settings.high_risk.early_grades == [6, 7]
    assert settings.age_bands[0] == (0, 24, "under 25")
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.disclosure.min_cell = 3
