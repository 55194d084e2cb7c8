"""Every command the documentation shows runs as written.

The commands are read from the code blocks of README.md, config/README.md and the user guide's
pages (docs/), and from the
usage lines (`#   snakemake ...`) of the profiles and config overlays, so that a documented
command cannot break unnoticed. Snakemake commands run with `-n` (the DAG is built, the
config validated, nothing executed); the report command and the commands that apply a run's
trained model (`classifier={model: ...}`), which need a finished run, run after one on the
smallest dataset; `make` targets run with `make -n`.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.workflow.conftest import deploy_workflow

pytestmark = pytest.mark.workflow

DOCUMENTS = (
    "README.md",
    "config/README.md",
    *(
        f"docs/{page}.md"
        for page in (
            "getting-started",
            "tutorial",
            "datasets",
            "running",
            "outputs",
            "development",
        )
    ),
)
USAGE_FILES = ("profiles/*/config.yaml", "config/*.yaml")
# A fenced code block with its language tag.
CODE_BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
# A usage line in a YAML comment: `#   snakemake ...` (indented after the hash).
USAGE_LINE = re.compile(r"^#\s{2,}((?:snakemake|make) .*)$", re.MULTILINE)
SHELL_LANGUAGES = {"", "bash", "sh", "shell", "console"}


def strip_comment(line: str) -> str:
    """``line`` without a trailing shell comment (a `#` outside quotes)."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=False)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    try:
        words = list(lexer)
    except ValueError:
        return line.strip()
    return shlex.join(words) if words else ""


def block_commands(code: str) -> list[str]:
    """The commands of a shell code block: comments dropped, continuations joined."""
    commands, pending = [], ""
    for raw in code.splitlines():
        line = raw.rstrip()
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        command = strip_comment(pending + line)
        pending = ""
        if command:
            commands.append(command)
    return commands


def documented_commands(repo: Path = REPO) -> list[tuple[str, str]]:
    """(where, command) for every command in the documents' shell blocks and usage lines."""
    found = []
    for name in DOCUMENTS:
        for language, code in CODE_BLOCK.findall((repo / name).read_text()):
            if language in SHELL_LANGUAGES:
                found += [(name, command) for command in block_commands(code)]
    for pattern in USAGE_FILES:
        for path in sorted(repo.glob(pattern)):
            where = str(path.relative_to(repo))
            for line in USAGE_LINE.findall(path.read_text()):
                found += [(where, command) for command in block_commands(line)]
    return found


def with_config(argv: list[str], entries: list[str]) -> list[str]:
    """``argv`` with ``entries`` last in its `--config` (a repeated flag would replace it).

    Last, so that they win over the command's own values of the same keys.
    """
    if "--config" in argv:
        end = argv.index("--config") + 1
        while end < len(argv) and not argv[end].startswith("-"):
            end += 1
        return argv[:end] + entries + argv[end:]
    return argv + ["--config", *entries]


def unique(commands: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Each command once, named by the first document that shows it."""
    seen: dict[str, str] = {}
    for where, command in commands:
        seen.setdefault(command, where)
    return [(where, command) for command, where in seen.items()]


COMMANDS = unique(documented_commands())


def needs_a_run(command: str) -> bool:
    """Whether ``command`` needs a finished run: the report, or applying a run's trained model."""
    return " --report " in f"{command} " or "classifier={model:" in command


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the workflow beside a `shared` folder, as a clone sits beside ../shared."""
    root = tmp_path_factory.mktemp("docs")
    workdir = deploy_workflow(root / "main")
    for name in ("Makefile", "pyproject.toml", "requirements.lock"):
        shutil.copy2(REPO / name, workdir / name)
    shared = REPO.parent / "shared"
    if shared.is_dir():
        (root / "shared").symlink_to(shared)
    return workdir


def run(workdir: Path, argv: list[str]) -> subprocess.CompletedProcess:
    """``argv`` in ``workdir`` with the venv's programs first on the PATH."""
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    return subprocess.run(argv, cwd=workdir, env=env, capture_output=True, text=True)


def test_the_documents_show_the_commands_users_need() -> None:
    commands = [command for _, command in COMMANDS]
    assert len(commands) >= 15
    assert "snakemake -n --config 'classifier={n_estimators: 500}'" in commands
    assert any("--profile profiles/slurm" in c for c in commands)
    assert any(c.startswith("snakemake --report") for c in commands)
    # A command of another program would go untested: say how to test it here first.
    assert {shlex.split(c)[0] for c in commands} <= {"snakemake", "make"}


@pytest.mark.parametrize(
    "where,command",
    [c for c in COMMANDS if not needs_a_run(c[1])],
    ids=[f"{w}: {c}" for w, c in COMMANDS if not needs_a_run(c)],
)
def test_documented_command_runs(checkout: Path, where: str, command: str) -> None:
    argv = shlex.split(command)
    if "../shared/sdc1-sample" in command and not (checkout.parent / "shared").is_dir():
        pytest.skip("../shared/sdc1-sample not found")
    if argv[0] == "make":
        result = run(checkout, ["make", "-n", *argv[1:]])
        assert result.returncode == 0, f"{where}: {command}\n{result.stderr[-2000:]}"
        assert result.stdout.strip(), f"{where}: `{command}` does nothing"
        return
    if "-n" not in argv and "--dry-run" not in argv:
        argv.insert(1, "-n")
    result = run(checkout, argv)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{where}: {command}\n{output[-3000:]}"
    done = ("Job stats:", "Nothing to be done", "Unlocked working directory")
    assert any(text in output for text in done), output[-2000:]


def test_documented_report_command_runs_after_a_run(checkout: Path, sdc1_sample: Path) -> None:
    reports = [(w, c) for w, c in COMMANDS if " --report " in f"{c} "]
    assert reports
    dataset = ["dataset=sdc1_cutout_small", f"mirror={sdc1_sample}"]
    made = run(checkout, ["snakemake", "--cores", "2", "--config", *dataset])
    assert made.returncode == 0, made.stderr[-3000:]
    for where, command in reports:
        argv = with_config(shlex.split(command), dataset)
        result = run(checkout, argv)
        assert result.returncode == 0, f"{where}: {command}\n{result.stderr[-3000:]}"
        report = checkout / argv[argv.index("--report") + 1]
        assert report.stat().st_size > 100_000, f"{where}: {report} is too small"
    # Commands that apply the run's trained model: their DAG builds, the model checked.
    applying = [(w, c) for w, c in COMMANDS if "classifier={model:" in c]
    assert applying
    for where, command in applying:
        argv = shlex.split(command)
        if "-n" not in argv:
            argv.insert(1, "-n")
        result = run(checkout, argv)
        assert result.returncode == 0, f"{where}: {command}\n{result.stderr[-3000:]}"
        assert "apply_model" in result.stdout, f"{where}: {command}\n{result.stdout[-2000:]}"
