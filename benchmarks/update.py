"""Median `copier update` time of the default project, from one template release to the next.

The template is copied into a throw-away git repository and released twice (v1.0.0, then
v1.1.0 with a one-line change), its objects packed as a clone from a hosted remote has them; the
project is rendered from v1.0.0 and committed. Each run updates a fresh copy of that project with
the `copier update` command, as a learner runs it.

Two figures: after the `copier copy` on the same machine (the learner's path: the copy left its
compiled templates in the cache directory, extensions/compile_cache.py), and with an empty cache
directory for every run (the first command on a machine).

Run: uv run python benchmarks/update.py [--runs N] [--record]
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

from copier_cli import COPIER, learner_env
from report import Report

TEMPLATE_ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_PARTS = ("copier.yml", "extensions", "licenses", "template")
IDENTITY = {
    f"GIT_{role}_{field}": value
    for role in ("AUTHOR", "COMMITTER")
    for field, value in (("NAME", "Benchmark"), ("EMAIL", "benchmark@example.invalid"))
}


def _run(command: list[str], cwd: Path, cache: Path | None = None) -> None:
    env = learner_env(**IDENTITY, **({"XDG_CACHE_HOME": str(cache)} if cache else {}))
    subprocess.run(command, cwd=cwd, check=True, capture_output=True, env=env)


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
    _run(["git", "gc", "-q"], repo)
    return repo


def _committed_project(template: Path, project: Path, cache: Path) -> Path:
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
        cache,
    )
    _run(["git", "init", "-q"], project)
    _run(["git", "add", "-A"], project)
    _run(["git", "commit", "-qm", "generated"], project)
    return project


NAME = "update"


def _median_update(project: Path, runs: Path, count: int, cache: Callable[[int], Path]) -> float:
    timings = []
    for run in range(count):
        copy = runs / str(run)
        shutil.copytree(project, copy, symlinks=True)
        start = time.perf_counter()
        _run([str(COPIER), "update", "--trust", "--defaults", "--quiet"], copy, cache(run))
        timings.append(time.perf_counter() - start)
        assert "## List the make targets" in (copy / "Makefile").read_text(), "the update did not apply"
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--record", action="store_true", help=f"also write benchmarks/results/{NAME}.txt")
    args = parser.parse_args()
    report = Report(NAME, args.record)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        after_copy = workdir / "cache"
        project = _committed_project(
            _released_template(workdir / "template"), workdir / "project", after_copy
        )
        warm = _median_update(project, workdir / "warm", args.runs, lambda run: after_copy)
        cold = _median_update(
            project, workdir / "cold", args.runs, lambda run: workdir / f"empty-cache-{run}"
        )
        report.line(f"median of {args.runs} runs each")
        report.line(f"copier update, default project, v1.0.0 -> v1.1.0, after copier copy: {warm:.2f} s")
        report.line(f"copier update, default project, v1.0.0 -> v1.1.0, empty cache:       {cold:.2f} s")
    report.line("target: under 2 s (after copier copy, the learner's path)")
    report.close()


if __name__ == "__main__":
    main()
