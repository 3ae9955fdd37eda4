"""pyproject.toml is the single source of dependencies; environment.yml mirrors it."""

import subprocess
import sys
import tomllib
from pathlib import Path

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
