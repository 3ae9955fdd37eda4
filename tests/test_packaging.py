"""pyproject.toml is the single source of dependencies; environment.yml mirrors it."""

import ast
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def _norm(spec: str) -> str:
    return spec.replace(" ", "").lower()


def test_environment_yml_mirrors_pyproject_runtime_dependencies():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    runtime = {_norm(d) for d in pyproject["project"]["dependencies"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {_norm(d) for d in env["dependencies"] if isinstance(d, str) and not d.startswith(("python", "pip"))}
    assert conda == runtime, f"only in environment.yml: {sorted(conda - runtime)}; only in pyproject: {sorted(runtime - conda)}"
    pip_block = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip_block
    assert "conda-forge" in env["channels"]


def test_the_code_is_ruff_clean_and_formatted():
    """The lint rules and the format in pyproject.toml ([tool.ruff]) hold for the package, tests, benchmarks and scripts."""
    for command in (["check", "--no-cache"], ["format", "--check", "--no-cache"]):
        result = subprocess.run([sys.executable, "-m", "ruff", *command, str(ROOT)], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr


def test_the_layers_hold_and_nothing_imports_in_a_cycle():
    """import-linter's contracts in pyproject.toml: one-way layers, and no cycle at any depth (deferred imports too)."""
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint_imports), "--no-cache"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    assert "2 kept, 0 broken" in result.stdout


@pytest.mark.slow
def test_the_type_checker_passes():
    """mypy over the packages named in pyproject.toml ([tool.mypy] files: config/ and calc/, where the
    strategy's rules and every number are made), as `make lint` runs it."""
    result = subprocess.run([sys.executable, "-m", "mypy"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr


def test_no_function_is_longer_than_sixty_lines():
    import ast

    long = []
    for path in sorted((ROOT / "rusmiddel_analysis").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno + 1 > 60:
                long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)")
    assert not long, long


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci
    readme = (ROOT / "README.md").read_text()
    assert "make test" in readme and "make report" in readme


# --- What the code imports is declared, and the lock pins what is declared -------------------------

LOCK = ROOT / "requirements.lock"
# Declared and used, but never by an import statement: pandas' engines are found by engine="..." below.
USED_WITHOUT_IMPORT = {
    "ipykernel": "the Jupyter kernel the reports run on (make setup installs it)",
    "jupyterlab": "make lab",
}


def _dist(requirement: str) -> str:
    """A requirement's distribution name, normalised as PEP 503 does ("jupyter_client>=8" -> "jupyter-client")."""
    return re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9._-]+", requirement.strip()).group()).lower()


def _declared() -> dict[str, set[str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    groups = {"runtime": project["dependencies"], **project["optional-dependencies"]}
    return {group: {_dist(r) for r in requirements} for group, requirements in groups.items()}


def _imports(folders: list[Path]) -> dict[str, bool]:
    """Every top-level module the code in `folders` names -> whether any file imports it at module
    level (False: only inside functions). Import statements, the notebooks' code cells, the warm
    kernel's module list and pandas' engine="..." arguments all count."""
    from rusmiddel_analysis.publish.kernel_state import WARM_MODULES

    found: dict[str, bool] = {name.split(".")[0]: False for name in WARM_MODULES}
    sources = [p.read_text(encoding="utf-8") for folder in folders for p in sorted(folder.rglob("*.py"))]
    for notebook in (p for folder in folders for p in sorted(folder.rglob("*.ipynb"))):
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        sources += ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    for source in sources:
        tree = ast.parse(source)
        deferred = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)) for n in ast.walk(f)}
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.keyword) and node.arg == "engine" and isinstance(node.value, ast.Constant):
                names = [node.value.value]
            for name in names:
                top = name.split(".")[0]
                found[top] = found.get(top, False) or id(node) not in deferred
    local = {p.stem for p in ROOT.iterdir()} | {p.stem for folder in folders if folder.name != "rusmiddel_analysis" for p in folder.glob("*.py")}
    return {m: top_level for m, top_level in found.items() if m not in sys.stdlib_module_names and m not in local and m != "__future__"}


def _providers() -> dict[str, set[str]]:
    from importlib.metadata import packages_distributions

    return {module: {_dist(d) for d in dists} for module, dists in packages_distributions().items()}


def test_every_module_the_package_imports_comes_from_a_declared_dependency():
    """A module the package imports must come from a runtime dependency, not arrive through another
    one's dependencies (tqdm came only through papermill). An optional extra's module (dask's) is
    allowed only where it is imported inside a function, so the package imports without the extra."""
    declared, providers = _declared(), _providers()
    optional = set().union(*(declared[g] for g in declared if g not in ("runtime", "dev")))
    undeclared = []
    for module, top_level in sorted(_imports([ROOT / "rusmiddel_analysis"]).items()):
        dists = providers.get(module, set())
        if not dists & declared["runtime"] and (top_level or not dists & optional):
            undeclared.append(f"{module} (installed by {sorted(dists) or 'nothing'})")
    assert not undeclared, f"imported by rusmiddel_analysis but not declared in pyproject.toml's dependencies: {undeclared}"


def test_every_module_the_tests_scripts_and_benchmarks_import_is_declared():
    declared, providers = _declared(), _providers()
    everything = set().union(*declared.values())
    folders = [ROOT / "tests", ROOT / "scripts", ROOT / "benchmarks"]
    undeclared = [
        f"{m} (installed by {sorted(providers.get(m, ())) or 'nothing'})"
        for m in sorted(_imports(folders))
        if not providers.get(m, set()) & everything
    ]
    assert not undeclared, f"imported by the tests, scripts or benchmarks but declared nowhere in pyproject.toml: {undeclared}"


def test_every_runtime_dependency_is_used():
    """No stale declaration: each runtime dependency is imported (or is a pandas engine), or says why not."""
    declared, providers = _declared(), _providers()
    used = set().union(*(providers.get(m, set()) for m in _imports([ROOT / "rusmiddel_analysis"])))
    unused = sorted(declared["runtime"] - used - set(USED_WITHOUT_IMPORT))
    assert not unused, f"declared in pyproject.toml but never imported by the package: {unused}"


def test_the_lock_pins_every_declared_dependency_within_its_range():
    """requirements.lock (what `make setup` installs; `make lock` refreshes it) is current with
    pyproject.toml: every requirement, the extras' too, pinned to a version in its range, with hashes."""
    from packaging.requirements import Requirement

    text = LOCK.read_text()
    pins: dict[str, list[str]] = {}
    for name, version in re.findall(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)", text, flags=re.MULTILINE):
        pins.setdefault(_dist(name), []).append(version)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = [*project["dependencies"], *(r for group in project["optional-dependencies"].values() for r in group)]
    problems = []
    for requirement in map(Requirement, requirements):
        versions = pins.get(_dist(requirement.name))
        if not versions:
            problems.append(f"{requirement} is not in the lock")
        problems += [f"{requirement}: the lock has {v}" for v in versions or () if not requirement.specifier.contains(v, prereleases=True)]
    assert not problems, f"requirements.lock is stale, run 'make lock': {problems}"
    entries = re.split(r"\n(?=[^\s#])", text)  # a pin and its indented lines (hashes, "# via")
    unhashed = [entry.split()[0] for entry in entries if "==" in entry.split("\n")[0] and "--hash=sha256:" not in entry]
    assert not unhashed, f"pinned without a hash: {unhashed}"


def test_make_installs_from_the_lock():
    makefile = (ROOT / "Makefile").read_text()
    assert "--require-hashes -r $(LOCK)" in makefile and "--no-deps -e ." in makefile
    assert re.search(r"^LOCK := requirements\.lock$", makefile, flags=re.MULTILINE)
    assert re.search(r"^lock:", makefile, flags=re.MULTILINE) and re.search(r"^check:", makefile, flags=re.MULTILINE)


@pytest.mark.slow
def test_an_installed_package_carries_the_methodology(tmp_path):
    """A wheel holds docs/methodology.md beside the code (setup.py's hook), so an installed package
    builds outputs/methodology.html that every target page links to."""
    import shutil
    import zipfile

    leftover = not (ROOT / "build").exists()  # setuptools builds in the source tree; leave it as found
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
    )
    if leftover:
        shutil.rmtree(ROOT / "build", ignore_errors=True)
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = tmp_path.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        shipped = archive.read("rusmiddel_analysis/docs/methodology.md").decode("utf-8")
    assert shipped == (ROOT / "docs" / "methodology.md").read_text(encoding="utf-8")
