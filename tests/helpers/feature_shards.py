"""A sharded run's outcomes: each shard writes its own, and the merge settles the README from all.

A shard (`pytest --shard=I/N`) never covers every feature, so it writes its raw outcomes
(node id -> passed, failed or skipped) to build/features-shard-I-of-N.json instead of judging
the README. Once every shard has run:

    uv run --frozen python -m tests.helpers.feature_report merge build/features-shard-*.json [--update-readme]

checks that the files are the N shards of one split, writes build/features.json, and compares
(or rewrites) the README's table exactly as a single run would (tests/helpers/feature_table.py).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from tests.helpers.feature_table import BUILD, README, REPORT, build_table, settle_readme, write_report
from tests.helpers.shard import Shard


class ShardsError(Exception):
    """The files given are not every shard of one split, once each."""


def shard_outcomes_path(shard: Shard, build: Path = BUILD) -> Path:
    return build / f"features-shard-{shard.index}-of-{shard.count}.json"


def write_shard_outcomes(shard: Shard, outcomes: Mapping[str, str], build: Path = BUILD) -> Path:
    path = shard_outcomes_path(shard, build)
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"shard": {"index": shard.index, "count": shard.count}, "outcomes": dict(outcomes)}
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    return path


def _read(path: Path) -> tuple[Shard, dict[str, str]]:
    try:
        document = json.loads(path.read_text())
        shard = Shard(int(document["shard"]["index"]), int(document["shard"]["count"]))
        outcomes = document["outcomes"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ShardsError(f"{path}: not a shard outcomes file ({error})") from error
    if not isinstance(outcomes, dict):
        raise ShardsError(f"{path}: 'outcomes' is not an object")
    return shard, outcomes


def merge_outcomes(paths: Sequence[Path]) -> dict[str, str]:
    """The outcomes of shards 1..N of one split, or ShardsError naming what is missing or doubled."""
    if not paths:
        raise ShardsError("no shard outcomes files given")
    seen: dict[Shard, Path] = {}
    merged: dict[str, str] = {}
    for path in paths:
        shard, outcomes = _read(path)
        if shard in seen:
            raise ShardsError(f"shard {shard} given twice: {seen[shard]} and {path}")
        seen[shard] = path
        # Shards are disjoint by construction; a test in two files means files of different runs.
        doubled = sorted(set(merged) & set(outcomes))
        if doubled:
            raise ShardsError(f"{path} repeats tests of another shard, e.g. {doubled[0]}")
        merged.update(outcomes)
    counts = {shard.count for shard in seen}
    if len(counts) != 1:
        raise ShardsError(f"the files come from splits into different numbers of shards: {sorted(counts)}")
    (count,) = counts
    missing = sorted(set(range(1, count + 1)) - {shard.index for shard in seen})
    if missing:
        raise ShardsError(f"missing shard(s) {', '.join(f'{i}/{count}' for i in missing)}")
    return merged


def main(argv: Sequence[str] | None = None, *, readme: Path = README, report: Path = REPORT) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.helpers.feature_report",
        description="Merge the outcomes of a sharded run (pytest --shard=I/N) into the feature report.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    merge = commands.add_parser("merge", help="merge build/features-shard-*.json")
    merge.add_argument("files", nargs="+", type=Path, help="one outcomes file per shard")
    merge.add_argument(
        "--update-readme", action="store_true", help="rewrite README.md's feature table from the merge"
    )
    args = parser.parse_args(argv)
    try:
        outcomes = merge_outcomes(args.files)
    except ShardsError as error:
        print(f"feature report not merged: {error}", file=sys.stderr)
        return 1
    table = build_table(outcomes)
    write_report(table, report)
    print(f"{len(outcomes)} outcomes from {len(args.files)} shards; wrote {report}")
    if not table.complete and not args.update_readme:
        print("README feature table not compared: these shards did not cover every feature.")
    verdict = settle_readme(
        table,
        update=args.update_readme,
        readme=readme,
        how_to_update="run this merge with --update-readme",
    )
    if verdict.message:
        print(verdict.message, file=sys.stdout if verdict.ok else sys.stderr)
    return 0 if verdict.ok else 1
