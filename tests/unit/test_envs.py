"""The conda environments named by the rules agree with each other and with pyproject.toml."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO

RULES = sorted((REPO / "rules").glob("*.smk"))
ENVS = sorted((REPO / "envs").glob("*.yaml"))

# Runtime dependencies that only the controlling Snakemake process imports
# (rule parsing, config validation, job submission); no job script needs them.
CONTROLLER_ONLY = {"snakemake", "snakemake-executor-plugin-slurm", "jsonschema"}

# `conda:` followed by a quoted path, on the same line or the next.
CONDA_DIRECTIVE = re.compile(r"^\s*conda:\s*\n?\s*[\"']([^\"']+)[\"']", re.MULTILINE)
# A rule or checkpoint header and its body (up to the next header at any indentation).
RULE_BLOCK = re.compile(
    r"^\s*(?:rule|checkpoint)\s+(\w+):\n(.*?)(?=^\s*(?:rule|checkpoint)\s+\w+:|\Z)",
    re.MULTILINE | re.DOTALL,
)


def canonical(name: str) -> str:
    """PEP 503 normalised package name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def split_pin(spec: str) -> tuple[str, str | None]:
    """``("pkg", "1.2")`` for ``pkg==1.2`` (pip) or ``pkg=1.2`` (conda); version None when
    unpinned."""
    match = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*(?:(==?)\s*([^\s;,<>=!]+))?\s*", spec)
    assert match, f"not a plain package spec: {spec!r}"
    return canonical(match.group(1)), match.group(3)


def pyproject_pins() -> dict[str, str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pins = {}
    for spec in project["dependencies"]:
        name, version = split_pin(spec)
        assert version is not None and "==" in spec, (
            f"pyproject.toml: {spec!r} is not an exact pin"
        )
        pins[name] = version
    return pins


def env_specs(path: Path) -> tuple[dict[str, str | None], dict[str, str | None]]:
    """(conda packages, pip packages) of an environment file, name -> version."""
    document = yaml.safe_load(path.read_text())
    conda, pip = {}, {}
    for item in document["dependencies"]:
        if isinstance(item, dict):
            for spec in item.get("pip", []):
                name, version = split_pin(spec)
                pip[name] = version
        else:
            name, version = split_pin(item)
            conda[name] = version
    return conda, pip


def directives() -> list[tuple[Path, str]]:
    return [
        (rules, match) for rules in RULES for match in CONDA_DIRECTIVE.findall(rules.read_text())
    ]


def test_there_are_rules_and_environments() -> None:
    assert RULES and ENVS
    assert len(directives()) >= 15


def test_every_rule_that_runs_code_names_an_environment() -> None:
    missing = []
    for rules in RULES:
        for name, body in RULE_BLOCK.findall(rules.read_text()):
            runs = re.search(r"^\s*(script|shell|run|notebook|wrapper):", body, re.MULTILINE)
            if runs and not CONDA_DIRECTIVE.search(body):
                missing.append(f"{rules.name}: {name}")
    assert not missing, f"rules without conda: {missing}"


@pytest.mark.parametrize("rules,path", directives(), ids=lambda v: getattr(v, "name", v))
def test_conda_directive_points_to_an_existing_file(rules: Path, path: str) -> None:
    # Snakemake resolves a rule's relative paths from the file that defines the rule.
    target = (rules.parent / path).resolve()
    assert target.is_file(), f"{rules.name}: conda: {path!r} -> {target} does not exist"
    assert target.parent == REPO / "envs"


def test_every_environment_file_is_used() -> None:
    used = {(rules.parent / path).resolve() for rules, path in directives()}
    assert set(ENVS) == used


@pytest.mark.parametrize("path", ENVS, ids=lambda p: p.name)
def test_environment_parses(path: Path) -> None:
    document = yaml.safe_load(path.read_text())
    assert isinstance(document, dict)
    assert isinstance(document.get("name"), str) and document["name"]
    assert isinstance(document.get("channels"), list) and document["channels"]
    assert all(isinstance(c, str) for c in document["channels"])
    assert isinstance(document.get("dependencies"), list) and document["dependencies"]
    # No relative or editable pip installs: conda resolves them from Snakemake's
    # copy of the file in .snakemake/conda/, not from envs/ (see sdc1.post-deploy.sh).
    for item in document["dependencies"]:
        for spec in item.get("pip", []) if isinstance(item, dict) else []:
            assert not spec.startswith(("-e", ".", "/")), f"{path.name}: pip entry {spec!r}"


@pytest.mark.parametrize("path", ENVS, ids=lambda p: p.name)
def test_environment_pins_agree_with_pyproject(path: Path) -> None:
    pins = pyproject_pins()
    conda, pip = env_specs(path)
    for name, version in {**conda, **pip}.items():
        if name in ("python", "pip"):
            continue
        assert name in pins, f"{path.name}: {name} is not a dependency in pyproject.toml"
        assert version == pins[name], (
            f"{path.name}: {name} {version} but pyproject.toml pins {pins[name]}"
        )
    # Every job-side runtime dependency is in the environment, pinned.
    expected = set(pins) - CONTROLLER_ONLY
    assert expected <= set(pip) | set(conda), (
        f"{path.name} lacks {sorted(expected - set(pip) - set(conda))}"
    )


@pytest.mark.parametrize("path", ENVS, ids=lambda p: p.name)
def test_environment_python_satisfies_requires_python(path: Path) -> None:
    requires = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["requires-python"]
    conda, _ = env_specs(path)
    python = conda.get("python")
    assert python, f"{path.name}: python is not pinned"
    version = tuple(int(v) for v in python.split(".")[:2])
    for clause in requires.split(","):
        op, bound = re.fullmatch(r"\s*(>=|<|<=|>|==)\s*([\d.]+)\s*", clause).groups()
        bound_v = tuple(int(v) for v in bound.split(".")[:2])
        assert {
            ">=": version >= bound_v,
            "<": version < bound_v,
            "<=": version <= bound_v,
            ">": version > bound_v,
            "==": version == bound_v,
        }[op], f"python {python} vs {requires}"


def test_controller_only_packages_are_pyproject_dependencies() -> None:
    # A stale exemption would hide a missing pin.
    assert CONTROLLER_ONLY <= set(pyproject_pins())


def test_post_deploy_script_installs_the_library() -> None:
    for path in ENVS:
        script = path.with_name(path.stem + ".post-deploy.sh")
        assert script.is_file(), f"{script.name} missing: the jobs import sdc1"
        text = script.read_text()
        assert text.startswith("#!") and "pip install" in text and "--no-deps" in text
