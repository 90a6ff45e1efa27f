"""Scans Terraform directories named on stdin, one JSON line per directory on stdout.

Runs in checkov's own environment (tests/helpers/checkov_scanner.py starts it), so it imports nothing from
the tests. Importing checkov takes about four seconds, most of a single scan, so it is imported once
here; each scan then runs checkov's command line in a child forked from this process, because
checkov keeps the results of one run in module state that the next run in the same process would
report again.
"""

import json
import os
import sys
import tempfile
import traceback

from checkov.main import Checkov

# Offline: --skip-download keeps the Bridgecrew policies and module registry out.
ARGUMENTS = ("--framework", "terraform", "--compact", "--quiet", "--skip-download", "-o", "json")


def _scan_in_child(directory: str, output: str) -> int:
    pid = os.fork()
    if pid == 0:
        code = 2
        try:
            os.dup2(os.open(output, os.O_WRONLY | os.O_TRUNC), sys.stdout.fileno())
            code = Checkov(argv=["-d", directory, *ARGUMENTS]).run() or 0
            sys.stdout.flush()
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else 2
        except BaseException:
            traceback.print_exc()
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def main() -> None:
    for line in sys.stdin:
        with tempfile.NamedTemporaryFile("r", suffix=".json") as output:
            code = _scan_in_child(line.rstrip("\n"), output.name)
            print(json.dumps({"code": code, "output": output.read()}), flush=True)


if __name__ == "__main__":
    main()
