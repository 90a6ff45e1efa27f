"""The bare apps of benchmarks/bare/ (the services benchmark's floor) still build, answer like the
service, and keep the generated service's framework and build settings."""

from __future__ import annotations

import ast
import re
import shlex
import subprocess
import time
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from benchmarks.baseline import BARE, DATABASE_LIST, GO_BUILD_FLAGS, LIST, bare_command, seed
from benchmarks.largest import LARGEST
from tests.contract.test_contract_resource import assert_item
from tests.helpers.combinations import DIMENSIONS
from tests.helpers.dockerfile import dockerfile_instructions
from tests.helpers.facts import CONTRACT, ENABLED_LANGUAGES, options_for, stacks
from tests.helpers.service import base_env, free_port, kill_group, spawn, start_service

pytestmark = pytest.mark.e2e

SLUG = "bench-service"


def _uvicorn_run_keywords(source: Path) -> set[str]:
    calls = [
        node
        for node in ast.walk(ast.parse(source.read_text()))
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "uvicorn.run"
    ]
    assert len(calls) == 1, f"{source}: expected one uvicorn.run call, found {len(calls)}"
    return {keyword.arg for keyword in calls[0].keywords}


def _go_directive(go_mod: Path) -> str:
    return re.search(r"^go (\S+)$", go_mod.read_text(), re.MULTILINE).group(1)


def _go_requirement(go_mod: Path, module: str) -> str:
    """The version go.mod requires of `module`."""
    return re.search(
        rf"^\s*(?:require\s+)?{re.escape(module)} (\S+)", go_mod.read_text(), re.MULTILINE
    ).group(1)


def _same_setup(language: str, project: Path) -> None:
    """What the bare app copies from the generated service has not drifted from it."""
    if language == "python":
        service = _uvicorn_run_keywords(project / "src" / SLUG.replace("-", "_") / "__main__.py")
        assert _uvicorn_run_keywords(BARE / "python" / "app.py") == service, (
            "benchmarks/bare/python/app.py must run uvicorn with the service's settings"
        )
    elif language == "go":
        assert _go_directive(BARE / "go" / "go.mod") == _go_directive(project / "go.mod")
        driver = "modernc.org/sqlite"
        assert _go_requirement(BARE / "go" / "go.mod", driver) == _go_requirement(
            project / "go.mod", driver
        ), f"benchmarks/bare/go must read SQLite with the service's {driver}"
        builds = [
            args for keyword, args in dockerfile_instructions(project / "Dockerfile") if "go build" in args
        ]
        assert builds and f"go build {' '.join(GO_BUILD_FLAGS)} -o" in builds[0], (
            f"benchmarks/baseline.py builds with {GO_BUILD_FLAGS}; the Dockerfile: {builds}"
        )
    else:
        pytest.fail(f"no bare-app setup check for {language}: add one with benchmarks/bare/{language}/")


def _instants(page: dict) -> dict:
    """The page with its times as instants: the same time may be written with fewer digits."""
    return {
        **page,
        "items": [
            {**item, **{key: datetime.fromisoformat(item[key]) for key in ("created_at", "updated_at")}}
            for item in page["items"]
        ],
    }


@pytest.mark.parametrize("language", ENABLED_LANGUAGES)
def test_bare_app_answers_like_the_service(render, language, tmp_path):
    project = render(language=language, project_slug=SLUG)
    _same_setup(language, project)
    database_url = f"sqlite:///{tmp_path / 'data' / 'app.db'}"
    service = start_service(
        project, language, SLUG, {CONTRACT["env"]["database_url"]: database_url}, tmp_path / "logs"
    )
    try:
        seed(service.base_url, 5)
        pages = {
            query: httpx.get(f"{service.base_url}{LIST}?{query}").raise_for_status().json()
            for query in ("limit=20", "limit=1&offset=1")
        }
    finally:
        service.stop()
    port = free_port()
    env = base_env(
        **{
            CONTRACT["env"]["host"]: "127.0.0.1",
            CONTRACT["env"]["port"]: str(port),
            CONTRACT["env"]["database_url"]: database_url,
        }
    )
    if language == "python":  # bare runs on the generated project's own environment
        env["PATH"] = f"{project / '.venv' / 'bin'}:{env['PATH']}"
    argv = bare_command(language, project, tmp_path / "bare", env)
    log = tmp_path / "bare.log"
    with log.open("wb") as output:
        process = spawn(shlex.join(argv), tmp_path, env, output, subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            assert process.poll() is None, f"bare exited with {process.returncode}:\n{log.read_text()}"
            try:
                ready = httpx.get(base + CONTRACT["readiness_path"], timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, f"bare did not answer within 20 s:\n{log.read_text()}"
                time.sleep(0.05)
        assert ready.status_code == 200
        health = httpx.get(base + CONTRACT["health_path"])
        assert (health.status_code, health.json()) == (200, {"status": "ok"})
        page = httpx.get(f"{base}{LIST}?limit=20").raise_for_status().json()
        assert (set(page), page["limit"], page["offset"]) == ({"items", "total", "limit", "offset"}, 20, 0)
        assert len(page["items"]) == 20 and page["total"] == 50, page
        for item in page["items"]:
            assert_item(item)
        for query, expected in pages.items():
            read = httpx.get(f"{base}{DATABASE_LIST}?{query}").raise_for_status().json()
            assert _instants(read) == _instants(expected), (
                f"bare's {DATABASE_LIST}?{query} is not the service's page"
            )
    finally:
        kill_group(process)


TOGGLES = ("kubernetes", "nginx", "grafana")


def _enabled(table: dict) -> list[str]:
    return [value for value, row in table.items() if row["enabled"]]


def _rendered_bytes(render, answers: dict) -> int | None:
    """The size of the project `answers` render; None when copier's validators refuse them."""
    try:
        project = render(**answers)
    except AssertionError as error:
        if isinstance(error.__cause__, ValueError) and str(error.__cause__).startswith(
            ("Validation error", "Invalid choice")
        ):
            return None
        raise
    return sum(path.stat().st_size for path in project.rglob("*") if path.is_file())


def test_the_render_benchmarks_largest_project_is_the_largest(render):
    """No single change of one of LARGEST's answers that copier accepts renders more: the render
    benchmark's "largest project" is what its name says."""
    alternatives = {
        "language": ENABLED_LANGUAGES,
        **{question: options_for(LARGEST["language"], question) for question in [*DIMENSIONS, "cloud"]},
        "ci": _enabled(stacks.CI_SYSTEMS),
        "log_stack": _enabled(stacks.LOG_STACKS),
        **{toggle: [False, True] for toggle in TOGGLES},
    }
    assert set(alternatives) == set(LARGEST)
    largest = _rendered_bytes(render, LARGEST)
    larger = {}
    for question, values in alternatives.items():
        for value in values:
            if value == LARGEST[question]:
                continue
            answers = {**LARGEST, question: value}
            if question == "language":  # the other language on its defaults, all toggles on
                answers = {"language": value, **dict.fromkeys(TOGGLES, True)}
            size = _rendered_bytes(render, answers)
            if size is not None and size > largest:
                larger[f"{question}={value}"] = size
    assert not larger, f"these render more than LARGEST's {largest} bytes: {larger}"
