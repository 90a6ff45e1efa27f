"""The template repository's own workflow (.github/workflows/ci.yml): it lints, it runs the
commands README.md documents, its shard matrix agrees with its --shard values, and it stays out
of the generated projects."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.helpers import ferretdb, groovy_lint, loki, oidc
from tests.helpers.facts import STACKS, TEMPLATE_ROOT
from tests.helpers.tools import NPM_CACHE, require

WORKFLOWS = sorted((TEMPLATE_ROOT / ".github" / "workflows").glob("*.yml"))
CI = TEMPLATE_ROOT / ".github" / "workflows" / "ci.yml"
PYTEST = "uv run --frozen pytest"


def _jobs() -> dict:
    return yaml.safe_load(CI.read_text())["jobs"]


def _runs(job: str) -> list[str]:
    return [step["run"].strip() for step in _jobs()[job]["steps"] if "run" in step]


def _readme_commands() -> list[str]:
    """The command lines of README.md's ```sh blocks."""
    blocks = re.findall(r"```sh\n(.*?)```", (TEMPLATE_ROOT / "README.md").read_text(), re.DOTALL)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def _readme_command(start: str, *, holding: str = "", sharded: bool = False) -> str:
    found = [
        c for c in _readme_commands() if c.startswith(start) and holding in c and ("--shard=" in c) == sharded
    ]
    assert len(found) == 1, f"README.md should give one {start!r} command (sharded={sharded}): {found}"
    return found[0]


def test_workflows_pass_actionlint():
    assert WORKFLOWS, "no workflow in .github/workflows"
    result = subprocess.run(
        [require("actionlint"), "-no-color", *map(str, WORKFLOWS)],
        cwd=TEMPLATE_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ci_run_passes_its_arguments_to_pytest():
    """The workflow runs other tiers as `.ci/run ARGS`, which must mean `uv run --frozen pytest ARGS`."""
    lines = [line for line in (TEMPLATE_ROOT / ".ci" / "run").read_text().splitlines() if line.strip()]
    assert lines[-1] == f'{PYTEST} "$@"'


def test_default_tier_job_runs_ci_run_as_is():
    assert _runs("default-tier") == ["bash .ci/run"]


def test_full_tier_job_runs_the_readme_command_in_every_shard():
    full = _readme_command(PYTEST, holding="--combinations=full")
    assert _readme_command(PYTEST, holding="--combinations=full", sharded=True) == f"{full} --shard=I/N"
    matrix = _jobs()["full-tier"]["strategy"]["matrix"]["shard"]
    count = len(matrix)
    assert matrix == list(range(1, count + 1)), "the matrix must list shards 1..N once each"
    arguments = full.removeprefix(PYTEST)
    assert _runs("full-tier") == [f"bash .ci/run{arguments} --shard=${{{{ matrix.shard }}}}/{count}"]
    uploads = [s for s in _jobs()["full-tier"]["steps"] if "upload-artifact" in s.get("uses", "")]
    assert [s["with"]["path"] for s in uploads] == [
        f"build/features-shard-${{{{ matrix.shard }}}}-of-{count}.json"
    ]


def test_report_job_runs_the_readme_merge_command():
    merge = _readme_command("uv run --frozen python -m tests.helpers.feature_report merge")
    assert _runs("full-tier-report") == [merge]
    assert _jobs()["full-tier-report"]["needs"] == "full-tier"


def _tools_action_steps() -> list[dict]:
    return yaml.safe_load((TEMPLATE_ROOT / ".github" / "actions" / "tools" / "action.yml").read_text())[
        "runs"
    ]["steps"]


def test_go_version_is_the_generated_projects():
    setup_go = [s for s in _tools_action_steps() if s.get("uses", "").startswith("actions/setup-go@")]
    assert [s["with"]["go-version"] for s in setup_go] == [STACKS["go"]["language_version"]]


@pytest.mark.parametrize(
    "built_in",
    [ferretdb.CACHE_ROOT, loki.CACHE_ROOT, *(NPM_CACHE / tool.TOOL_DIR.name for tool in (oidc, groovy_lint))],
    ids=["ferretdb", "loki", "oidc-provider", "npm-groovy-lint"],
)
def test_what_the_suite_builds_is_cached_between_runs(built_in: Path):
    """Building Loki or FerretDB from Go modules takes minutes: each directory the helpers build
    into is under a path the tools action caches."""
    cached = [
        Path(line.replace("~", str(Path.home()), 1))
        for step in _tools_action_steps()
        if step.get("uses", "").startswith("actions/cache@")
        for line in step["with"]["path"].split()
    ]
    assert any(built_in.is_relative_to(path) for path in cached), f"{built_in} is not under {cached}"


@pytest.mark.parametrize("path", [".github/actions", ".ci"])
def test_template_repository_ci_is_not_rendered(default_project: Path, path: str):
    """copier renders template/ only (_subdirectory), so the project gets its own CI, not this one."""
    assert yaml.safe_load((TEMPLATE_ROOT / "copier.yml").read_text())["_subdirectory"] == "template"
    assert not (default_project / path).exists()
    assert (default_project / ".github" / "workflows" / "ci.yml").read_text() != CI.read_text()
