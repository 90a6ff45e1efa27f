"""End to end: every enabled (language, database) renders into a project whose own `make test` passes.

The generated project's tests run with DATABASE_URL pointing at a real server for
`postgresql` (PostgreSQL), `mysql` (MariaDB) and `mongodb` (FerretDB), and CACHE_URL at a real Redis or Memcached
when the project caches. The black-box contract suite (tests/contract/) then starts the service for the
same targets and checks it: `pytest tests/test_e2e.py tests/contract` runs both; the targets,
rendered projects, installs and database servers are shared (tests/contract/targets.py).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest

from tests.contract.targets import Target, caches, lab, targets
from tests.helpers.facts import CONTRACT, ENABLED_LANGUAGES, facts_for
from tests.helpers.service import base_env, install, run_command
from tests.helpers.tools import require

pytestmark = pytest.mark.e2e

MAKE_TEST_TIMEOUT = 900


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "e2e_target" in metafunc.fixturenames:
        specs = targets(metafunc.config.getoption("combinations"))
        metafunc.parametrize(
            "e2e_target", specs, ids=[spec.id for spec in specs], indirect=True, scope="module"
        )


@pytest.fixture(scope="module")
def e2e_target(request, render) -> Iterator[Target]:
    yield lab().target(request.param, render)


def test_generated_make_test_passes(e2e_target: Target):
    make = require("make")
    target = e2e_target
    install(target.project_dir, target.spec.language, target.project_slug)
    env = target.make_test_env()
    cache_reads = target.cache_server().reads() if caches(target.spec) else 0
    started = time.monotonic()
    result = run_command(f"{make} test", target.project_dir, base_env(**env), MAKE_TEST_TIMEOUT)
    took = time.monotonic() - started
    assert result.returncode == 0, (
        f"`make test` of the generated {target.spec.id} project failed (exit {result.returncode}, {took:.0f}s):\n"
        f"{result.stdout[-12000:]}"
    )
    summary = facts_for(target.spec.language, target.project_slug)["test_summary"]
    assert re.search(summary, result.stdout, re.MULTILINE), (
        f"`make test` ran no test:\n{result.stdout[-3000:]}"
    )
    if target.database_facts.get("server"):
        # The project's tests really used the server, not a fallback. They may clean up after
        # themselves, so look at what the server counted, not at what is left.
        url = env[CONTRACT["env"]["database_url"]]
        inserted = target.rows_inserted(url)
        assert inserted > 0, f"`make test` inserted no row in {url}: it did not use DATABASE_URL"
    if caches(target.spec):
        # Likewise, the project's cache tests ran against CACHE_URL's server rather than skipping.
        url = env[CONTRACT["env"]["cache_url"]]
        assert target.cache_server().reads() > cache_reads, (
            f"`make test` read nothing from {url}: its tests did not use CACHE_URL"
        )


@pytest.mark.parametrize("target_name", ["lint", "build"])
def test_generated_make_lint_and_build_pass(e2e_target: Target, target_name: str):
    """The generated project passes its own linters and type checker, and builds its artifact."""
    make = require("make")
    target = e2e_target
    install(target.project_dir, target.spec.language, target.project_slug)
    result = run_command(f"{make} {target_name}", target.project_dir, base_env(), MAKE_TEST_TIMEOUT)
    assert result.returncode == 0, (
        f"`make {target_name}` of the generated {target.spec.id} project failed (exit {result.returncode}):\n"
        f"{result.stdout[-12000:]}"
    )


# Names that exercise every naming filter: an irregular plural, an -ies plural, a multi-word slug.
RENAMED = [
    {"resource": "person", "project_slug": "people-api"},
    {"resource": "category", "project_slug": "shop-catalogue-service"},
]


@pytest.mark.parametrize("language", ENABLED_LANGUAGES)
@pytest.mark.parametrize("names", RENAMED, ids=lambda names: names["resource"])
def test_generated_make_test_passes_with_other_names(render, language, names):
    """The resource and project names flow through code, routes and tests, not just the defaults."""
    make = require("make")
    project = render(language=language, **names)
    install(project, language, names["project_slug"])
    result = run_command(f"{make} test", project, base_env(), MAKE_TEST_TIMEOUT)
    assert result.returncode == 0, f"`make test` with {names} failed:\n{result.stdout[-12000:]}"
    assert re.search(facts_for(language, names["project_slug"])["test_summary"], result.stdout, re.MULTILINE)
