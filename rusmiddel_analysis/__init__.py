"""rusmiddel-analysis: track Rusmiddelstrategien 2016-2019 target by target.

Data flow (docs/architecture.md): raw exports -> `ingest`/`validation` ->
processed Parquet -> `indicators` -> `assessment` -> notebooks -> HTML (`report`).
Submodules are imported lazily so that `import rusmiddel_analysis` stays cheap.
"""

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version

from .strategy import Strategy, StrategyError, Target, load_strategy

try:
    __version__ = version("rusmiddel-analysis")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

_SUBMODULES = {
    "assessment", "batch", "cli", "cpr", "demo", "disclosure", "formatting", "indicators", "ingest", "kernel_state",
    "narrative", "plots", "privacy", "report", "schemas", "stats", "status_text", "statuses", "textcatalog", "verdict", "views",
}

__all__ = ["Strategy", "StrategyError", "Target", "load_strategy", "__version__", *sorted(_SUBMODULES)]


def __getattr__(name):
    if name in _SUBMODULES:
        return import_module(f".{name}", __name__)
    raise AttributeError(f"module 'rusmiddel_analysis' has no attribute '{name}'")
