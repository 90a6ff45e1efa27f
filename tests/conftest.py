"""Shared fixtures: rendering the template once per set of answers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers.combinations import MODES
from tests.helpers.facts import TEMPLATE_ROOT


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--combinations",
        choices=MODES,
        default="pairwise",
        help="answer combinations the e2e and contract tests build and run: a pairwise covering "
        "set (default) or every supported combination (the full tier)",
    )


def pytest_configure(config: pytest.Config) -> None:
    # pytest-copie renders from --template; default it to this repository.
    if getattr(config.option, "template", None) in (None, "."):
        config.option.template = str(TEMPLATE_ROOT)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Under xdist (`--dist loadgroup`), one worker runs all of a target's tests: they share its
    # render, install, database and running service, which cost far more than the tests.
    for item in items:
        params = getattr(item, "callspec", None) and item.callspec.params
        spec = params and (params.get("target") or params.get("e2e_target"))
        if spec:
            item.add_marker(pytest.mark.xdist_group(spec.id))


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
