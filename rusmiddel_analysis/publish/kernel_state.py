"""Runs inside a warm report kernel: import the heavy modules once, then give every report a clean start.

`warm_up()` runs when the kernel starts: it imports what every report needs (pandas, scipy,
matplotlib's Agg renderer, the library) and takes a snapshot of the pristine state.
`restore()` runs before each report: it clears the user namespace and puts back the working
folder, sys.path, environment variables, warnings filters, matplotlib's rcParams, pandas
options, NumPy's error handling and the execution counter. Modules stay imported: that is
the point of a warm kernel, and the library keeps no state between calls.
"""

from __future__ import annotations

import copy
import gc
import os
import sys
import warnings

_SNAPSHOT: dict | None = None

WARM_MODULES = (
    "numpy",
    "pandas",
    "pyarrow.parquet",
    "matplotlib",
    "matplotlib.figure",
    "matplotlib.backends.backend_svg",
    "babel.numbers",
    "mistune",
    "IPython.display",
    "seaborn",  # the high-risk page's figures: about a second to import, so never in a report
    "rusmiddel_analysis.present.target_report",
    "rusmiddel_analysis.present.status_report",
    "rusmiddel_analysis.present.high_risk_views",
    "rusmiddel_analysis.calc.results",
)


def warm_up() -> None:
    import importlib

    for name in WARM_MODULES:
        importlib.import_module(name)
    _first_figure()
    snapshot()
    # the imported modules live as long as the kernel: keep them out of every later garbage
    # collection (IPython collects on each reset, which would otherwise scan them all each time)
    gc.freeze()


def _first_figure() -> None:
    """Draw one small figure: the first one loads the fonts (a second or more), so no report pays for it."""
    from rusmiddel_analysis.present.plots import svg_bytes, trend_figure_warm_up

    svg_bytes(trend_figure_warm_up())


def snapshot() -> None:
    import matplotlib
    import numpy as np

    global _SNAPSHOT
    _SNAPSHOT = {
        "cwd": os.getcwd(),
        "sys_path": list(sys.path),
        "environ": dict(os.environ),
        "warnings": list(warnings.filters),
        "rc": copy.deepcopy(dict(matplotlib.rcParams)),
        "np_err": np.geterr(),
    }


def restore(project: str | None = None) -> None:
    """Put the kernel back as it was after warm_up (called before each report); then work in the
    report's `project` folder, which its relative paths (the parameters) are read from."""
    import matplotlib
    import numpy as np
    import pandas as pd

    if _SNAPSHOT is None:
        warm_up()
        return
    shell = _ipython()
    if shell is not None:
        # a new history session clears the namespace and counts from 1 again without clashing line numbers
        shell.reset(new_session=True)
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    os.chdir(_SNAPSHOT["cwd"])
    sys.path[:] = _SNAPSHOT["sys_path"]
    os.environ.clear()
    os.environ.update(_SNAPSHOT["environ"])
    warnings.filters[:] = _SNAPSHOT["warnings"]
    getattr(warnings, "_filters_mutated", lambda: None)()  # let the warnings module see the restored filters
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        matplotlib.rcParams.update(_SNAPSHOT["rc"])
        pd.reset_option("all")
    np.seterr(**_SNAPSHOT["np_err"])
    if project:
        from rusmiddel_analysis.config.paths import PROJECT_ENV

        os.chdir(project)
        os.environ[PROJECT_ENV] = project


def _ipython():
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return None
    return get_ipython()
