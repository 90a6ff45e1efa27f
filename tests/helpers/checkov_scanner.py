"""checkov's reports on Terraform directories, from one checkov process per test session worker.

checkov lives in an environment of its own (`uv tool install`, see .ci/run), so its interpreter is
read from the first line of its `checkov` script and runs tests/helpers/checkov_server.py (isolated,
`-I`: nothing of this repository's environment on its path).
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.helpers.tools import require

SERVER = Path(__file__).with_name("checkov_server.py")
SCAN_TIMEOUT = 120  # seconds; a scan takes about one
# Its question to PyPI for a newer release takes 10 s without a network.
_ENV = {"CKV_SKIP_PACKAGE_UPDATE_CHECK": "true"}


def checkov_python() -> str:
    script = Path(require("checkov")).resolve()
    with script.open("rb") as handle:
        first_line = handle.readline().decode(errors="replace").strip()
    if not first_line.startswith("#!") or not Path(first_line[2:]).is_file():
        pytest.fail(f"{script} does not name its Python interpreter; reinstall it with uv tool install")
    return first_line[2:]


class CheckovScanner:
    def __init__(self) -> None:
        self._errors = tempfile.TemporaryFile("w+")  # noqa: SIM115 - open until close()
        self._process = subprocess.Popen(
            [checkov_python(), "-I", str(SERVER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._errors,
            text=True,
            env=os.environ | _ENV,
        )

    def report(self, directory: Path) -> dict:
        """checkov's JSON report on `directory` (its exit code is 1 whenever a check fails)."""
        self._process.stdin.write(f"{directory}\n")
        self._process.stdin.flush()
        if not select.select([self._process.stdout], [], [], SCAN_TIMEOUT)[0]:
            self._process.kill()
            pytest.fail(f"checkov did not report on {directory} within {SCAN_TIMEOUT} s")
        line = self._process.stdout.readline()
        result = json.loads(line) if line else {"code": None, "output": ""}
        if result["code"] not in (0, 1):
            self._errors.seek(0)
            pytest.fail(
                f"checkov on {directory} failed ({result['code']}):\n{result['output']}\n"
                f"{self._errors.read()[-4000:]}"
            )
        return json.loads(result["output"])

    def close(self) -> None:
        self._process.stdin.close()
        self._process.wait(timeout=60)
        self._errors.close()
