"""Which answer combinations the suite builds and runs, per language.

- `pairwise`: a covering set in which every pair of values of any two of the dimensions
  (database, cache, api_style, auth) appears in at least one combination, plus every
  database on the other defaults.
- `full`: every database x API style x auth combination the language implements (the product
  issue 4 asks for), the caches taken in turn, plus the pairwise set (so every cache still meets
  every other value). The product with caches as well would triple the tier for little: a cache
  wraps the store the same way whatever the API style and auth method.

The pairwise set is picked greedily from the product (a few hundred combinations at most),
so it is deterministic and small; the product itself is the oracle of what must be covered.

The cloud is not a dimension here: it changes no file the build and tests read (a cloud=none render
differs from the AWS one only in its deployment files, tests/test_render.py), so building and
running a combination again for it would prove nothing new. Its pairs with every other answer are
rendered and checked by the static and wiring checks instead (tests/helpers/answer_sets.py).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

from tests.helpers.facts import options_for

# Varied dimensions and copier.yml's defaults, in the order target ids show them.
DIMENSIONS = {"database": "sqlite", "cache": "none", "api_style": "rest", "auth": "jwt"}
MODES = ("pairwise", "full")

Combination = dict[str, str]


def _pairs(combination: Mapping[str, str]) -> set[tuple[tuple[str, str], tuple[str, str]]]:
    items = sorted(combination.items())
    return set(itertools.combinations(items, 2))


def _product(values: Mapping[str, Sequence[str]]) -> list[Combination]:
    """Every combination copier accepts: each value of a dimension goes with each of the others."""
    names = list(values)
    return [dict(zip(names, row, strict=True)) for row in itertools.product(*values.values())]


def pairwise(values: Mapping[str, Sequence[str]]) -> list[Combination]:
    """A small list of accepted combinations covering every pair of values of any two dimensions
    that some accepted combination holds."""
    product = _product(values)
    uncovered = set().union(*(_pairs(combination) for combination in product))
    chosen: list[Combination] = []
    while uncovered:
        best = max(product, key=lambda combination: len(_pairs(combination) & uncovered))
        chosen.append(best)
        uncovered -= _pairs(best)
    return chosen


def combinations_for(language: str, mode: str) -> list[Combination]:
    """The answer combinations (database, cache, api_style, auth) to run for `language`."""
    if mode not in MODES:
        raise ValueError(f"unknown combinations mode {mode!r}; use one of {MODES}")
    values = {name: options_for(language, name) for name in DIMENSIONS}
    on_defaults = [{**DIMENSIONS, "database": database} for database in values["database"]]
    chosen = on_defaults + [c for c in pairwise(values) if c not in on_defaults]
    if mode == "full":
        without_cache = _product({**values, "cache": [DIMENSIONS["cache"]]})
        caches = itertools.cycle(values["cache"])
        chosen += [c for c in ({**row, "cache": next(caches)} for row in without_cache) if c not in chosen]
    return chosen
