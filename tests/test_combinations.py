"""The combination tiers cover what they promise, checked against the product of the options."""

from __future__ import annotations

import itertools

import pytest

from tests.helpers.combinations import DIMENSIONS, combinations_for
from tests.helpers.facts import ENABLED_LANGUAGES, options_for, stacks


def accepted(language: str) -> list[dict[str, str]]:
    values = [options_for(language, name) for name in DIMENSIONS]
    rows = (dict(zip(DIMENSIONS, row, strict=True)) for row in itertools.product(*values))
    return [row for row in rows if not stacks.combination_problem(row["api_style"], row["auth"])]


@pytest.mark.parametrize("language", ENABLED_LANGUAGES)
@pytest.mark.parametrize("mode", ["pairwise", "full"])
def test_every_pair_of_values_is_covered(language, mode):
    chosen = combinations_for(language, mode)
    assert all(combination in accepted(language) for combination in chosen), "only accepted answers"
    for first, second in itertools.combinations(DIMENSIONS, 2):
        wanted = {(row[first], row[second]) for row in accepted(language)}
        covered = {(row[first], row[second]) for row in chosen}
        assert wanted <= covered, f"{language} {mode}: {first} x {second} misses {wanted - covered}"


@pytest.mark.parametrize("language", ENABLED_LANGUAGES)
def test_each_database_runs_on_the_other_defaults(language):
    chosen = combinations_for(language, "pairwise")
    for database in options_for(language, "database"):
        assert {**DIMENSIONS, "database": database} in chosen


@pytest.mark.parametrize("language", ENABLED_LANGUAGES)
def test_the_full_tier_runs_every_database_api_style_and_auth(language):
    chosen = combinations_for(language, "full")
    triples = {(row["database"], row["api_style"], row["auth"]) for row in accepted(language)}
    assert triples == {(row["database"], row["api_style"], row["auth"]) for row in chosen}
    assert len(chosen) == len({tuple(row.values()) for row in chosen}), "no combination twice"
