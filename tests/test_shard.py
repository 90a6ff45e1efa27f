"""`--shard=I/N` (tests/helpers/shard.py): every target in exactly one shard, the shards even."""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
from collections import Counter

import pytest

from tests.contract.targets import targets
from tests.helpers.facts import TEMPLATE_ROOT
from tests.helpers.shard import Shard, assign, parse_shard, runs_in

FULL_IDS = [spec.id for spec in targets("full")]


@pytest.mark.parametrize(
    ("value", "shard"), [("1/1", Shard(1, 1)), ("2/6", Shard(2, 6)), ("6/6", Shard(6, 6))]
)
def test_parse_shard(value: str, shard: Shard):
    assert parse_shard(value) == shard
    assert str(parse_shard(value)) == value


@pytest.mark.parametrize(
    "value", ["", "3", "0/6", "7/6", "1/0", "0/0", "-1/2", "a/b", "1/", "/2", "1/2/3", " 1/2", "1.0/2", "٢/3"]
)
def test_malformed_shard_is_rejected(value: str):
    with pytest.raises(argparse.ArgumentTypeError, match=r"--shard=I/N"):
        parse_shard(value)


@pytest.mark.parametrize("count", [1, 2, 3, 6, 7, len(FULL_IDS), len(FULL_IDS) + 5])
def test_every_target_in_exactly_one_shard_and_shards_even(count: int):
    assignment = assign(FULL_IDS, count)
    members = {
        index: {i for i in FULL_IDS if runs_in(Shard(index, count), i, assignment)}
        for index in range(1, count + 1)
    }
    placed = Counter(i for shard_ids in members.values() for i in shard_ids)
    assert set(placed) == set(FULL_IDS)
    assert set(placed.values()) == {1}
    sizes = [len(shard_ids) for shard_ids in members.values()]
    assert max(sizes) - min(sizes) <= 1, sizes


def test_assignment_does_not_depend_on_collection_order():
    shuffled = FULL_IDS[:]
    random.Random(4).shuffle(shuffled)
    assert assign(shuffled + FULL_IDS[:3], 6) == assign(FULL_IDS, 6)


def test_tests_without_target_run_in_shard_one_only():
    assert runs_in(Shard(1, 4), None, {})
    assert not any(runs_in(Shard(index, 4), None, {}) for index in (2, 3, 4))


def _collected(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "tests/test_e2e.py", "--collect-only", "-q", "-n", "0", *args],
        cwd=TEMPLATE_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _node_ids(result: subprocess.CompletedProcess) -> list[str]:
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return [line for line in result.stdout.splitlines() if "::" in line]


def test_sharded_collection_splits_the_suite():
    """The conftest hook: the shards of a real collection are disjoint and add up to it."""
    everything = _node_ids(_collected())
    shards = [set(_node_ids(_collected(f"--shard={index}/2"))) for index in (1, 2)]
    assert shards[0] and shards[1]
    assert not shards[0] & shards[1]
    assert shards[0] | shards[1] == set(everything)
    untargeted = {n for n in everything if "other_names" in n}
    assert untargeted and untargeted <= shards[0]


def test_malformed_shard_is_a_usage_error():
    result = _collected("--shard=3/2")
    assert result.returncode == pytest.ExitCode.USAGE_ERROR
    assert "--shard=I/N" in result.stderr
