"""The conda environments named by the rules agree with each other and with pyproject.toml."""

from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

from tests.conftest import REPO

RULES = sorted((REPO / "rules").glob("*.smk"))
ENVS = sorted((REPO / "envs").glob("*.yaml"))
# Environments of rules that run no Python, only a tool (npm for Aladin Lite): not the lock's.
TOOL_ENVS = {"nodejs.yaml": "install_aladin_lite"}
PYTHON_ENVS = [path for path in ENVS if path.name not in TOOL_ENVS]

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


LOCK = REPO / "requirements.lock"
# `name==version \` at the start of a line of the lock: one pinned package.
LOCKED = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)", re.MULTILINE)


def pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]


def all_requirements() -> list[Requirement]:
    """The library's dependencies and every extra's."""
    project = pyproject()
    specs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        specs.extend(extra)
    return [Requirement(spec) for spec in specs]


def locked_versions() -> dict[str, str]:
    return {canonical(name): version for name, version in LOCKED.findall(LOCK.read_text())}


def env_specs(path: Path) -> tuple[dict[str, str | None], list[str]]:
    """(conda packages as name -> version or None, pip entries) of an environment file."""
    document = yaml.safe_load(path.read_text())
    conda, pip = {}, []
    for item in document["dependencies"]:
        if isinstance(item, dict):
            pip.extend(item.get("pip", []))
        else:
            name, _, version = item.partition("=")
            conda[canonical(name)] = version.lstrip("=") or None
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


def test_pyproject_declares_ranges_with_the_known_upper_bounds() -> None:
    # Exact pins belong in the lock: a library user must be able to install sdc1 beside
    # other packages.
    requirements = {canonical(r.name): r for r in all_requirements()}
    exact = [str(r) for r in requirements.values() if any(s.operator == "==" for s in r.specifier)]
    assert not exact, f"pyproject.toml pins exactly: {exact}"
    assert not requirements["numpy"].specifier.contains("2.5.0")  # bdsf 1.14.1
    assert not requirements["pandas"].specifier.contains("3.0.0")  # ska-sdc 2.0.0
    # The library runs without Snakemake: the workflow's packages are extras.
    library = {canonical(Requirement(spec).name) for spec in pyproject()["dependencies"]}
    assert not library & {"snakemake", "snakemake-executor-plugin-slurm", "pytest"}


def test_lock_satisfies_every_requirement_with_hashes() -> None:
    locked = locked_versions()
    for requirement in all_requirements():
        name = canonical(requirement.name)
        assert name in locked, f"requirements.lock lacks {name}: run `make lock`"
        assert requirement.specifier.contains(locked[name], prereleases=True), (
            f"requirements.lock has {name} {locked[name]}, pyproject.toml asks {requirement}"
        )
    # Every pin carries its hashes (pip's hash-checking mode refuses the file otherwise).
    blocks = re.split(r"\n(?=[A-Za-z0-9])", LOCK.read_text().split("\n", 2)[2])
    unhashed = [b.split()[0] for b in blocks if "==" in b and "--hash=sha256:" not in b]
    assert not unhashed, f"pins without hashes: {unhashed}"


@pytest.mark.parametrize("path", PYTHON_ENVS, ids=lambda p: p.name)
def test_environment_installs_the_current_lock(path: Path) -> None:
    # Snakemake names a conda environment by its file's content: the lock's checksum in
    # the file makes a new lock a new environment.
    digest = hashlib.sha256(LOCK.read_bytes()).hexdigest()
    assert f"requirements.lock sha256: {digest}" in path.read_text(), (
        f"{path.name}: the recorded requirements.lock checksum is stale (now {digest})"
    )
    conda, pip = env_specs(path)
    assert set(conda) == {"python", "pip"} and not pip, "packages come from the lock"
    script = path.with_name(path.stem + ".post-deploy.sh").read_text()
    assert "--require-hashes" in script and "requirements.lock" in script


@pytest.mark.parametrize("path", PYTHON_ENVS, ids=lambda p: p.name)
def test_environment_python_satisfies_requires_python(path: Path) -> None:
    requires = pyproject()["requires-python"]
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


def test_post_deploy_script_installs_the_library() -> None:
    for path in PYTHON_ENVS:
        script = path.with_name(path.stem + ".post-deploy.sh")
        assert script.is_file(), f"{script.name} missing: the jobs import sdc1"
        text = script.read_text()
        assert text.startswith("#!") and "pip install" in text and "--no-deps" in text


def test_tool_environments_pin_their_tool_and_serve_only_their_rule() -> None:
    for name, rule in TOOL_ENVS.items():
        conda, pip = env_specs(REPO / "envs" / name)
        assert conda == {"nodejs": "20"} and not pip, name
        users = [
            rule_name
            for rules in RULES
            for rule_name, body in RULE_BLOCK.findall(rules.read_text())
            if f"envs/{name}" in body
        ]
        assert users == [rule], f"{name} is used by {users}"
