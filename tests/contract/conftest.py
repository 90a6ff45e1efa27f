"""Fixtures of the black-box contract suite, parametrized over the targets (tests/contract/targets.py).

A test module whose checks hold only for some targets (say, the REST resource API) sets
`applies_to = <predicate on TargetSpec>`; its tests are generated for those targets only.

`target` renders the project for one pair and starts what it needs; `service` is the running
instance most tests talk to; `api` speaks the contract over HTTP. Tests that need other
settings (production mode, no PORT, a failing database, SIGTERM) start their own instance
through `target.start(...)`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.contract.checks import Api, User
from tests.contract.targets import Target, lab, targets
from tests.helpers.service import RunningService


@pytest.fixture(scope="session")
def _lab_teardown() -> Iterator[None]:
    yield
    lab().close()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "target" in metafunc.fixturenames:
        applies_to = getattr(metafunc.module, "applies_to", lambda _spec: True)
        specs = [spec for spec in targets(metafunc.config.getoption("combinations")) if applies_to(spec)]
        metafunc.parametrize("target", specs, ids=[spec.id for spec in specs], indirect=True, scope="session")


@pytest.fixture(scope="session")
def target(request, render, _lab_teardown) -> Iterator[Target]:
    target = lab().target(request.param, render)
    yield target
    target.stop_all()


@pytest.fixture
def service(target: Target) -> RunningService:
    return target.main()


@pytest.fixture
def api(service: RunningService, target: Target) -> Iterator[Api]:
    client = Api(service.base_url, target.plural)
    yield client
    client.close()


@pytest.fixture
def owner(api: Api, target: Target) -> User:
    return target.new_principal(api, "writer")


@pytest.fixture
def stranger(api: Api, target: Target) -> User:
    return target.new_principal(api, "other-writer")
