#!/usr/bin/env python3
"""Regenerate the Python stack's templated uv.lock.

The generated project's lock differs between answers only in the project's own
name, so the template ships one lock with `{{ project_slug }}` in its place:
render the template with a placeholder slug, run `uv lock` there (starting from
the current lock, so versions move only with --upgrade), put the placeholder
back as Jinja and write the result to template/.

    uv run python scripts/relock_python.py            # after editing the template's pyproject
    uv run python scripts/relock_python.py --upgrade  # take newer versions of everything
    uv run python scripts/relock_python.py --check    # exit 1 when the lock is stale
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCK_TEMPLATE = ROOT / "template" / '{% if language == "python" %}uv.lock{% endif %}.jinja'
PLACEHOLDER = "relock-placeholder-svc"
PLACEHOLDER_SNAKE = PLACEHOLDER.replace("-", "_")


def render(destination: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "copier",
            "copy",
            "--trust",
            "--defaults",
            "--quiet",
            "-d",
            "language=python",
            "-d",
            f"project_slug={PLACEHOLDER}",
            str(ROOT),
            str(destination),
        ],
        check=True,
    )


def to_template(lock: str) -> str:
    if "{{" in lock or "{%" in lock or "{#" in lock:
        raise SystemExit("uv.lock contains Jinja delimiters; wrap it in {% raw %} first.")
    templated = lock.replace(PLACEHOLDER, "{{ project_slug }}")
    templated = templated.replace(PLACEHOLDER_SNAKE, "{{ project_slug | snake }}")
    return templated


def to_lock(template: str) -> str:
    lock = template.replace("{{ project_slug | snake }}", PLACEHOLDER_SNAKE)
    return lock.replace("{{ project_slug }}", PLACEHOLDER)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--upgrade", action="store_true", help="let uv take newer versions")
    parser.add_argument("--check", action="store_true", help="only report whether the lock is current")
    args = parser.parse_args()

    if shutil.which("uv") is None:
        raise SystemExit("uv is not on PATH")
    with tempfile.TemporaryDirectory(prefix="relock-") as tmp:
        project = Path(tmp) / PLACEHOLDER
        render(project)
        lock_path = project / "uv.lock"
        if LOCK_TEMPLATE.exists() and not args.upgrade:
            lock_path.write_text(to_lock(LOCK_TEMPLATE.read_text()))
        command = ["uv", "lock"]
        if args.check:
            command.append("--check")
        if args.upgrade:
            command.append("--upgrade")
        env = {**os.environ, "UV_PYTHON_DOWNLOADS": os.environ.get("UV_PYTHON_DOWNLOADS", "never")}
        result = subprocess.run(command, cwd=project, env=env, check=False)
        if result.returncode != 0:
            print("uv.lock is stale: run scripts/relock_python.py" if args.check else "uv lock failed")
            return 1
        if args.check:
            print("uv.lock is current")
            return 0
        templated = to_template(lock_path.read_text())
    if LOCK_TEMPLATE.exists() and LOCK_TEMPLATE.read_text() == templated:
        print(f"{LOCK_TEMPLATE.relative_to(ROOT)} is unchanged")
        return 0
    LOCK_TEMPLATE.write_text(templated)
    print(f"wrote {LOCK_TEMPLATE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
