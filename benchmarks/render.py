"""Median render time of the default project and of the largest one against an empty Copier
template (the floor).

Two figures for each: the `copier copy` command as a learner runs it (process
start, imports, git clone, render), which the 2x target applies to, and the
render alone inside one warm process (copier's per-file work, no start-up).
Both templates are git repositories rendered the same way.

Run: uv run python benchmarks/render.py [--runs N]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from copier import run_copy
from copier_cli import COPIER, learner_env
from largest import LARGEST
from report import Report

TEMPLATE_ROOT = Path(__file__).resolve().parents[1]


def _empty_template(directory: Path) -> Path:
    (directory / "template").mkdir(parents=True)
    (directory / "copier.yml").write_text("_subdirectory: template\nname:\n  type: str\n  default: x\n")
    (directory / "template" / "README.md.jinja").write_text("{{ name }}\n")
    for command in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-qm", "floor"]):
        subprocess.run(command, cwd=directory, check=True)
    return directory


Answers = dict[str, object]


def _cli(template: Path, destination: Path, answers: Answers) -> None:
    """With an empty cache directory, as a learner's first `copier copy` runs (no compiled templates
    kept by extensions/compile_cache.py yet)."""
    command = [str(COPIER), "copy", "--trust", "--defaults", "--quiet", str(template), str(destination)]
    command += [f"--data={question}={value}" for question, value in answers.items()]
    with tempfile.TemporaryDirectory() as cache:
        subprocess.run(command, check=True, capture_output=True, env=learner_env(XDG_CACHE_HOME=cache))


def _in_process(template: Path, destination: Path, answers: Answers) -> None:
    run_copy(str(template), destination, data=answers, defaults=True, unsafe=True, quiet=True, vcs_ref="HEAD")


def _median_ms(
    render: Callable[[Path, Path, Answers], None], template: Path, answers: Answers, runs: int, workdir: Path
) -> float:
    timings = []
    for _ in range(runs):
        destination = workdir / "out"
        start = time.perf_counter()
        render(template, destination, answers)
        timings.append(time.perf_counter() - start)
        shutil.rmtree(destination)
    return statistics.median(timings) * 1000


NAME = "render"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--record", action="store_true", help=f"also write benchmarks/results/{NAME}.txt")
    args = parser.parse_args()
    report = Report(NAME, args.record)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        floor_template = _empty_template(workdir / "floor")
        _in_process(floor_template, workdir / "warm", {})  # imports and extension loader, once
        report.line(f"median of {args.runs} runs each; largest: {LARGEST}")
        for label, render in (("copier copy command", _cli), ("render in a warm process", _in_process)):
            floor = _median_ms(render, floor_template, {}, args.runs, workdir)
            for project, answers in (("default project", {}), ("largest project", LARGEST)):
                figure = _median_ms(render, TEMPLATE_ROOT, answers, args.runs, workdir)
                report.line(
                    f"{label:26} empty template {floor:6.0f} ms   {project} {figure:6.0f} ms   "
                    f"ratio {figure / floor:.2f}"
                )
    report.line("target: the copier copy command of the default project within 2x of the empty template's")
    report.close()


if __name__ == "__main__":
    main()
