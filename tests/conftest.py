"""Shared fixtures: rendering the template once per set of answers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers.combinations import MODES
from tests.helpers.facts import TEMPLATE_ROOT
from tests.helpers.shard import Shard, assign, parse_shard, runs_in


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--combinations",
        choices=MODES,
        default="pairwise",
        help="answer combinations the e2e and contract tests build and run: a pairwise covering "
        "set (default) or every supported combination (the full tier)",
    )
    parser.addoption(
        "--shard",
        type=parse_shard,
        default=None,
        metavar="I/N",
        help="run shard I of N: the targets dealt round-robin over their sorted ids, "
        "and tests without a target in shard 1 (tests/helpers/shard.py)",
    )


def pytest_configure(config: pytest.Config) -> None:
    # pytest-copie renders from --template; default it to this repository.
    if getattr(config.option, "template", None) in (None, "."):
        config.option.template = str(TEMPLATE_ROOT)
    shard = config.getoption("shard")
    if shard is not None:
        config.pluginmanager.register(ShardSelection(shard), "shard_selection")


def target_id(item: pytest.Item) -> str | None:
    """The id of the target (tests/contract/targets.py) that parametrizes `item`, if one does."""
    params = getattr(item, "callspec", None) and item.callspec.params
    spec = params and (params.get("target") or params.get("e2e_target"))
    return spec.id if spec else None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Under xdist (`--dist loadgroup`), one worker runs all of a target's tests: they share its
    # render, install, database and running service, which cost far more than the tests.
    for item in items:
        group = target_id(item)
        if group:
            item.add_marker(pytest.mark.xdist_group(group))


class ShardSelection:
    def __init__(self, shard: Shard) -> None:
        self.shard = shard

    # After -k and -m have deselected: the shards split what was asked for, evenly.
    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        ids = {item: target_id(item) for item in items}
        assignment = assign((i for i in ids.values() if i is not None), self.shard.count)
        kept: list[pytest.Item] = []
        deselected: list[pytest.Item] = []
        for item in items:
            (kept if runs_in(self.shard, ids[item], assignment) else deselected).append(item)
        if deselected:
            config.hook.pytest_deselected(items=deselected)
            items[:] = kept


@pytest.fixture(scope="session")
def render(copie_session) -> Callable[..., Path]:
    """Render the template with the defaults plus `answers`, once per distinct set of answers."""
    cache: dict[tuple, Path] = {}

    def _render(**answers) -> Path:
        key = tuple(sorted(answers.items()))
        if key not in cache:
            result = copie_session.copy(extra_answers=answers)
            if result.exception is not None:
                raise AssertionError(
                    f"render with {answers} failed: {result.exception!r}"
                ) from result.exception
            cache[key] = result.project_dir
        return cache[key]

    return _render


@pytest.fixture(scope="session")
def default_project(render) -> Path:
    return render()
