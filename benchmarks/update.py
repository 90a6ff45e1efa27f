"""Median `copier update` time of the default project, from one template release to the next.

The template is copied into a throw-away git repository and released twice (v1.0.0, then
v1.1.0 with a one-line change); the project is rendered from v1.0.0 and committed. Each run
updates a fresh copy of that project with the `copier update` command, as a learner runs it.

Run: uv run python benchmarks/update.py [--runs N] [--record]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from report import Report

TEMPLATE_ROOT = Path(__file__).resolve().parents[1]
COPIER = Path(sys.executable).with_name("copier")
TEMPLATE_PARTS = ("copier.yml", "extensions", "licenses", "template")
IDENTITY = {
    f"GIT_{role}_{field}": value
    for role in ("AUTHOR", "COMMITTER")
    for field, value in (("NAME", "Benchmark"), ("EMAIL", "benchmark@example.invalid"))
}


def _run(command: list[str], cwd: Path) -> None:
    subprocess.run(command, cwd=cwd, check=True, capture_output=True, env={**os.environ, **IDENTITY})


def _released_template(repo: Path) -> Path:
    repo.mkdir()
    for part in TEMPLATE_PARTS:
        source = TEMPLATE_ROOT / part
        if source.is_dir():
            shutil.copytree(source, repo / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, repo / part)
    _run(["git", "init", "-q"], repo)
    _run(["git", "add", "-A"], repo)
    _run(["git", "commit", "-qm", "v1"], repo)
    _run(["git", "tag", "v1.0.0"], repo)
    makefile = repo / "template" / "Makefile.jinja"
    makefile.write_text(makefile.read_text().replace("## List the targets", "## List the make targets", 1))
    _run(["git", "commit", "-qam", "v1.1"], repo)
    _run(["git", "tag", "v1.1.0"], repo)
    return repo


def _committed_project(template: Path, project: Path) -> Path:
    _run(
        [
            str(COPIER),
            "copy",
            "--trust",
            "--defaults",
            "--quiet",
            "--vcs-ref",
            "v1.0.0",
            str(template),
            str(project),
        ],
        template.parent,
    )
    _run(["git", "init", "-q"], project)
    _run(["git", "add", "-A"], project)
    _run(["git", "commit", "-qm", "generated"], project)
    return project


NAME = "update"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--record", action="store_true", help=f"also write benchmarks/results/{NAME}.txt")
    args = parser.parse_args()
    report = Report(NAME, args.record)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        project = _committed_project(_released_template(workdir / "template"), workdir / "project")
        timings = []
        for run in range(args.runs):
            copy = workdir / f"run-{run}"
            shutil.copytree(project, copy, symlinks=True)
            start = time.perf_counter()
            _run([str(COPIER), "update", "--trust", "--defaults", "--quiet"], copy)
            timings.append(time.perf_counter() - start)
            assert "## List the make targets" in (copy / "Makefile").read_text(), "the update did not apply"
        report.line(f"median of {args.runs} runs")
        report.line(f"copier update, default project, v1.0.0 -> v1.1.0: {statistics.median(timings):.2f} s")
    report.line("target: under 2 s")
    report.close()


if __name__ == "__main__":
    main()
