"""rusmiddel-analysis: track a municipal substance-use strategy target by target, year by year.

Data flow one way (docs/architecture.md): `config` (the strategy file, paths, files) ->
`ingest` (raw exports -> validated processed Parquet) -> `calc` (indicators, disclosure control,
assessments) -> `present` (words, plots, report views, notebooks) -> `publish` (kernels, HTML,
privacy gate, the run) -> `cli`. Sub-packages are imported lazily so that
`import rusmiddel_analysis` stays cheap.
"""

from importlib import import_module

from rusmiddel_analysis.config.strategy import Strategy, StrategyError, Target, load_strategy
from rusmiddel_analysis.config.version import __version__

_SUBPACKAGES = {"config", "ingest", "calc", "present", "publish", "cli"}

__all__ = ["Strategy", "StrategyError", "Target", "load_strategy", "__version__", *sorted(_SUBPACKAGES)]


def __getattr__(name):
    if name in _SUBPACKAGES:
        return import_module(f".{name}", __name__)
    raise AttributeError(f"module 'rusmiddel_analysis' has no attribute '{name}'")
