"""Median render time of the default project against an empty Copier template (the floor).

Both templates are git repositories rendered through the same API, so the
difference is what this template's questions, extensions and files cost.
Run: uv run python benchmarks/render.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from copier import run_copy

TEMPLATE_ROOT = Path(__file__).resolve().parents[1]


def _empty_template(directory: Path) -> Path:
    (directory / "template").mkdir(parents=True)
    (directory / "copier.yml").write_text("_subdirectory: template\nname:\n  type: str\n  default: x\n")
    (directory / "template" / "README.md.jinja").write_text("{{ name }}\n")
    for command in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-qm", "floor"]):
        subprocess.run(command, cwd=directory, check=True)
    return directory


def _median_seconds(template: Path, runs: int, workdir: Path) -> float:
    timings = []
    for index in range(runs):
        destination = workdir / f"{template.name}-{index}"
        start = time.perf_counter()
        run_copy(str(template), destination, defaults=True, unsafe=True, quiet=True, vcs_ref="HEAD")
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        floor_template = _empty_template(workdir / "floor")
        # Warm imports and the Jinja extension loader once, for both.
        _median_seconds(floor_template, 1, workdir / "warm")
        floor = _median_seconds(floor_template, args.runs, workdir)
        default = _median_seconds(TEMPLATE_ROOT, args.runs, workdir)
    print(f"runs per figure: {args.runs}")
    print(f"empty template (floor): median {floor * 1000:.0f} ms")
    print(f"default project:        median {default * 1000:.0f} ms")
    print(f"ratio default/floor:    {default / floor:.2f} (target <= 2.0)")


if __name__ == "__main__":
    main()
