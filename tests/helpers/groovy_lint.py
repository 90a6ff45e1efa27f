"""npm-groovy-lint for the generated Jenkinsfile: CodeNarc's Groovy parse and rules, offline, on the
machine's Java (17+).

tests/tools/npm-groovy-lint pins the package (package-lock.json; 16.2.0, the last release for
Node 20) and holds the rule configuration: npm-groovy-lint's `recommended-jenkinsfile` set, less the
rules a declarative pipeline breaks by design (the same image, label and unit literals in every
stage; lines as long as the stack's commands, which the Jenkinsfile runs verbatim). It is installed
with `npm ci` once into a cache directory named after the hash of those files, and runs without
its CodeNarc server (`--noserver`), so nothing is left running.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.helpers.tools import npm_tool, require

TOOL_DIR = Path(__file__).resolve().parents[1] / "tools" / "npm-groovy-lint"
TOOL_FILES = ("package.json", "package-lock.json", ".groovylintrc.json")


def installed_tool() -> Path:
    """The tool directory with node_modules, installed once per content hash (npm ci)."""
    return npm_tool(TOOL_DIR, TOOL_FILES)


def lint(paths: list[Path]) -> dict[Path, list[dict]]:
    """Each file's findings (rule, severity, line, msg) at every severity; one run for all of them."""
    tool = installed_tool()
    require("java")
    result = subprocess.run(
        [
            require("node"),
            str(tool / "node_modules" / "npm-groovy-lint" / "lib" / "index.js"),
            "--noserver",
            "--config",
            str(tool),
            "--failon",
            "info",
            "--output",
            "json",
            *map(str, paths),
        ],
        cwd=tool,
        capture_output=True,
        text=True,
        timeout=600,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        pytest.fail(
            f"npm-groovy-lint gave no report ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
    found = {Path(name).resolve(): entry["errors"] for name, entry in report["files"].items()}
    assert set(found) == {path.resolve() for path in paths}, f"npm-groovy-lint linted {sorted(found)}"
    assert (result.returncode != 0) == any(found.values()), (
        f"exit code {result.returncode} disagrees with the findings: {found}"
    )
    return {path: found[path.resolve()] for path in paths}
