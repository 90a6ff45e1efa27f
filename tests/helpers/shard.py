"""`--shard=I/N`: which tests shard I of N runs, so the full tier can run on N machines at once.

The unit of the split is a target (tests/contract/targets.py): its tests share one render,
install and set of servers, so splitting them would pay for those twice. Targets are dealt
round-robin over their sorted ids, which keeps the shards within one target of each other
and gives every machine the same answer without talking to the others. Tests that no target
parametrizes go to shard 1 alone.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterable
from typing import NamedTuple

USAGE = "use --shard=I/N, this machine's share I of N shards, with 1 <= I <= N (e.g. --shard=2/6)"


class Shard(NamedTuple):
    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def parse_shard(value: str) -> Shard:
    """`"2/6"` as Shard(2, 6). Raises argparse's error type, so pytest prints it as a usage error."""
    match = re.fullmatch(r"([0-9]+)/([0-9]+)", value)
    if match is None:
        raise argparse.ArgumentTypeError(f"{value!r} is not I/N: {USAGE}")
    index, count = int(match[1]), int(match[2])
    if not 1 <= index <= count:
        raise argparse.ArgumentTypeError(f"{value!r} is out of range: {USAGE}")
    return Shard(index, count)


def assign(target_ids: Iterable[str], count: int) -> dict[str, int]:
    """The shard (1..count) of each distinct target id."""
    return {target_id: position % count + 1 for position, target_id in enumerate(sorted(set(target_ids)))}


def runs_in(shard: Shard, target_id: str | None, assignment: dict[str, int]) -> bool:
    """Whether a test of `target_id` (None: no target) belongs to `shard`."""
    if target_id is None:
        return shard.index == 1
    return assignment[target_id] == shard.index
