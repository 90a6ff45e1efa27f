"""The combination tiers cover what they promise, checked against the product of the options."""

from __future__ import annotations

import itertools

import pytest

from tests.helpers.answer_sets import ANSWER_SETS
from tests.helpers.combinations import DIMENSIONS, combinations_for
from tests.helpers.facts import ENABLED_LANGUAGES, options_for, stacks
from tests.helpers.questions import QUESTIONS


def accepted(language: str) -> list[dict[str, str]]:
    """Every combination copier accepts: the product of the options (no pair is refused)."""
    values = [options_for(language, name) for name in DIMENSIONS]
    return [dict(zip(DIMENSIONS, row, strict=True)) for row in itertools.product(*values)]


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


@pytest.mark.parametrize("language", ENABLED_LANGUAGES)
def test_the_static_and_wiring_renders_pair_every_cloud_with_every_answer(language):
    defaults = {question: spec["default"] for question, spec in QUESTIONS.items()}
    rendered = [{**defaults, **answers} for answers in ANSWER_SETS.values()]
    rendered = [row for row in rendered if row["language"] == language]
    for question in DIMENSIONS:
        wanted = {
            (cloud, value)
            for cloud in options_for(language, "cloud")
            for value in options_for(language, question)
            if not stacks.refused_reason(cloud, "cloud", {question: value})
        }
        covered = {(row["cloud"], row[question]) for row in rendered}
        assert wanted <= covered, f"{language}: cloud x {question} misses {wanted - covered}"
