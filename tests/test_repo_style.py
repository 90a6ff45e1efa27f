"""The template repository's own Python passes ruff, as the pre-commit hooks require."""

from __future__ import annotations

import subprocess
import sys

from tests.helpers.facts import TEMPLATE_ROOT

PATHS = ["extensions", "tests", "benchmarks", "scripts"]


def test_ruff_check_and_format():
    ruff = [sys.executable, "-m", "ruff"]
    for args in (["check", *PATHS], ["format", "--check", *PATHS]):
        result = subprocess.run(
            [*ruff, *args], cwd=TEMPLATE_ROOT, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, f"ruff {' '.join(args)}:\n{result.stdout}{result.stderr}"
