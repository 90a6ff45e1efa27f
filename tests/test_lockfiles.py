"""The generated project's committed lockfile is current and the same whatever database is chosen."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.helpers.facts import ENABLED_LANGUAGES, databases_for, facts_for
from tests.helpers.tools import require


@pytest.mark.parametrize("language", ENABLED_LANGUAGES)
def test_lockfile_matches_the_manifest(render, language):
    project = render(language=language)
    stack = facts_for(language, "backend-roadmap-service")
    require(stack["commands"]["lock_check"].split()[0])
    result = subprocess.run(
        stack["commands"]["lock_check"],
        shell=True,
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, "UV_PYTHON_DOWNLOADS": "never"},
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, (
        f"{stack['paths']['lockfile']} is stale for the manifest; regenerate it "
        f"(for Python: uv run python scripts/relock_python.py):\n{result.stdout}{result.stderr}"
    )


@pytest.mark.parametrize("language", ENABLED_LANGUAGES)
def test_one_lockfile_serves_every_database(render, language):
    lockfile = facts_for(language)["paths"]["lockfile"]
    locks = {
        database: (render(language=language, database=database) / lockfile).read_text()
        for database in databases_for(language)
    }
    assert len(set(locks.values())) == 1, f"{lockfile} differs between databases {sorted(locks)}"
