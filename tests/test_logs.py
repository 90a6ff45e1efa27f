"""log_stack=loki, live: a real Loki (the version compose runs, built from Go modules) accepts the
generated config and answers compose's health check; the JSON lines a running generated service
wrote are pushed to it as the generated Alloy config labels them, and the logs dashboard's own
LogQL queries find them.

There is no Alloy binary to run (it does not build from the Go module proxy), so the push stands in
for it: tests/helpers/logs.py reads the labels, structured metadata and timestamp field from the
generated config.alloy, and test_wiring's log stack check holds that config to compose and to the
dashboard. The service is the contract suite's (tests/contract/targets.py) on its default database.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import httpx
import pytest
import yaml

from tests.contract.checks import assert_common_log_fields
from tests.contract.targets import Target, log_record
from tests.helpers import logs
from tests.helpers.facts import CONTRACT, ENABLED_LANGUAGES, stacks
from tests.helpers.loki import LokiServer, verify_config

# One xdist worker runs them all: Loki is built once, each language's service started once.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("loki")]

FACTS = stacks.LOG_STACKS["loki"]
HEADER = CONTRACT["request_id_header"]


def answers(language: str) -> dict:
    return {"language": language, "log_stack": "loki"}


@pytest.mark.parametrize("language", ENABLED_LANGUAGES)
def test_loki_accepts_the_generated_config(render, language):
    result = verify_config(render(**answers(language)) / logs.LOKI_CONFIG)
    assert result.returncode == 0, (
        f"loki -verify-config rejected {logs.LOKI_CONFIG}:\n{result.stderr[-3000:]}"
    )


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("  delete_request_store: filesystem\n", ""),
        ("store: tsdb", "store: boltdb-shipper"),
    ],
    ids=["retention-without-delete-store", "structured-metadata-without-tsdb"],
)
def test_loki_config_check_catches_a_broken_config(render, tmp_path, old, new):
    """`loki -verify-config` as run above fails on a config Loki would refuse to start with."""
    text = (render(**answers(ENABLED_LANGUAGES[0])) / logs.LOKI_CONFIG).read_text()
    assert old in text
    broken = tmp_path / "loki.yaml"
    broken.write_text(text.replace(old, new, 1))
    result = verify_config(broken)
    assert result.returncode != 0, f"Loki accepted {logs.LOKI_CONFIG} with {old.strip()!r} as {new.strip()!r}"


class Shipped(NamedTuple):
    """A running generated service, a real Loki on the generated config, and what was pushed."""

    project: Path
    loki: LokiServer
    pipeline: logs.Pipeline
    # The service's stdout lines, as pushed.
    lines: list[str]
    request_id: str

    @property
    def records(self) -> list[dict]:
        return [json.loads(line) for line in self.lines]

    def query(self, expr: str, start_ns: int, end_ns: int) -> list[dict]:
        response = httpx.get(
            self.loki.base_url + "/loki/api/v1/query_range",
            params={"query": expr, "start": start_ns, "end": end_ns, "limit": 5000, "step": "60s"},
            timeout=30,
        )
        assert response.status_code == 200, f"Loki refused the dashboard's {expr!r}: {response.text}"
        return response.json()["data"]["result"]


def push(loki: LokiServer, pipeline: logs.Pipeline, lines: list[str], compose_service: str) -> None:
    """Pushes `lines` to Loki's push API the way the Alloy pipeline does: one stream per label set."""
    streams: dict[tuple, list] = {}
    for line in lines:
        labels, value = pipeline.entry(line, compose_service)
        streams.setdefault(tuple(sorted(labels.items())), []).append(value)
    body = {"streams": [{"stream": dict(labels), "values": values} for labels, values in streams.items()]}
    response = httpx.post(loki.base_url + "/loki/api/v1/push", json=body, timeout=30)
    assert response.status_code == 204, f"Loki refused the push: {response.status_code} {response.text}"


@pytest.fixture(scope="module", params=ENABLED_LANGUAGES)
def shipped(request, render) -> Iterator[Shipped]:
    language = request.param
    project: Path = render(**answers(language))
    target = Target.of_project(language, project)
    loki = LokiServer(project / logs.LOKI_CONFIG)
    try:
        service = target.start("logs")
        request_id = f"loki-{uuid.uuid4().hex[:12]}"
        httpx.get(service.base_url + CONTRACT["health_path"], headers={HEADER: request_id}, timeout=10)
        unmatched_id = f"loki-404-{uuid.uuid4().hex[:12]}"
        httpx.get(
            service.base_url + f"/nowhere-{uuid.uuid4().hex}", headers={HEADER: unmatched_id}, timeout=10
        )
        for logged in (request_id, unmatched_id):
            log_record(service, logged)  # written before it is shipped
        lines = [line for line in service.stdout_text().splitlines() if line.strip()]
        assert_common_log_fields([json.loads(line) for line in lines])  # what the pipeline relies on
        loki.start()
        pipeline = logs.pipeline(project)
        push(loki, pipeline, lines, FACTS["app_service"])
        yield Shipped(project, loki, pipeline, lines, request_id)
    finally:
        loki.cleanup()
        target.stop_all()


def _window(shipped: Shipped) -> tuple[int, int]:
    now = time.time_ns()
    return now - 3600 * 10**9, now + 60 * 10**9


def _lines(result: list[dict]) -> list[str]:
    return [value[1] for stream in result for value in stream["values"]]


def _panel(shipped: Shipped, title_start: str) -> str:
    (expr,) = [
        target["expr"]
        for panel, target in logs.dashboard_queries(shipped.project)
        if panel["title"].startswith(title_start)
    ]
    return expr


def test_compose_health_check_passes_against_loki(shipped):
    """compose's health check command, with the binary and port of this Loki."""
    compose = yaml.safe_load((shipped.project / "compose.yaml").read_text())
    command = compose["services"]["loki"]["healthcheck"]["test"][1:]
    command = [str(shipped.loki.binary), *command[1:]]
    command[-1] = command[-1].replace(f":{FACTS['port']}/", f":{shipped.loki.port}/")
    result = subprocess.run(command, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"


def test_the_request_panel_finds_every_line_of_one_request(shipped):
    """The dashboard's one-request panel, its variable set to a request id the service logged."""
    start, end = _window(shipped)
    variable = logs.dashboard_variable(shipped.project)
    expr = _panel(shipped, "One request").replace(f"${variable}", shipped.request_id)
    found = _lines(shipped.query(expr, start, end))
    expected = [
        r for r in shipped.records if r.get(CONTRACT["log"]["request_fields"][0]) == shipped.request_id
    ]
    assert len(found) == len(expected) == 1, f"{expr!r} found {found}"
    assert found[0] and shipped.request_id in found[0]


def test_the_request_panel_finds_nothing_when_the_request_id_is_not_kept(shipped):
    """The request panel depends on the pipeline: the same lines pushed without the structured
    metadata (as a config.alloy without that stage would) are there, but the panel misses them."""
    stripped = dataclasses.replace(shipped.pipeline, structured_metadata=[])
    elsewhere = f"{FACTS['app_service']}-stripped"
    push(shipped.loki, stripped, shipped.lines, elsewhere)
    start, end = _window(shipped)
    selector = f'{FACTS["service_label"]}="{{}}"'
    pushed = _lines(shipped.query("{" + selector.format(elsewhere) + "}", start, end))
    assert len(pushed) == len(shipped.lines)
    variable = logs.dashboard_variable(shipped.project)
    expr = _panel(shipped, "One request").replace(f"${variable}", shipped.request_id)
    expr = expr.replace(selector.format(FACTS["app_service"]), selector.format(elsewhere))
    assert _lines(shipped.query(expr, start, end)) == [], f"{expr!r} found lines without request id metadata"


def test_the_level_panel_counts_the_lines_by_level(shipped):
    start, end = _window(shipped)
    expr = _panel(shipped, "Log lines by level")
    level = shipped.pipeline.line_labels[0]
    counted: dict[str, float] = {}
    for series in shipped.query(expr, start, end):
        counted[series["metric"][level]] = counted.get(series["metric"][level], 0) + sum(
            float(value) for _, value in series["values"]
        )
    logged = {record["level"] for record in shipped.records}
    assert set(counted) == logged, f"{expr!r} counted levels {set(counted)}, the service logged {logged}"
    assert all(count > 0 for count in counted.values())


def test_the_warnings_panel_shows_exactly_the_warnings_and_errors(shipped):
    start, end = _window(shipped)
    expr = _panel(shipped, "Warnings and errors")
    found = sorted(_lines(shipped.query(expr, start, end)))
    severe = set(CONTRACT["log"]["levels"][2:])
    expected = sorted(line for line in shipped.lines if json.loads(line)["level"] in severe)
    assert found == expected, (
        f"{expr!r} found {len(found)} lines, the service logged {len(expected)} at {severe}"
    )


def test_the_server_error_panel_parses_the_lines(shipped):
    """No request failed with a 5xx: the panel's `| json | status >= 500` runs on every line and
    finds none, while the same query for the 404 finds it."""
    start, end = _window(shipped)
    expr = _panel(shipped, "Server errors")
    assert _lines(shipped.query(expr, start, end)) == []
    not_found = _lines(shipped.query(expr.replace(">= 500", "== 404"), start, end))
    assert len(not_found) == 1 and CONTRACT["unmatched_route"] in not_found[0], not_found


@pytest.mark.parametrize(
    "broken",
    [
        {"level": "info", "msg": "no time"},
        {"ts": "2026-01-01T00:00:00.000Z", "level": "INFO", "msg": "a level outside the contract"},
        {"ts": "2026-01-01T00:00:00.000Z", "severity": "info", "msg": "the level under another name"},
        {"ts": "yesterday", "level": "info", "msg": "not RFC 3339"},
    ],
    ids=["no-ts", "upper-case-level", "renamed-level", "bad-ts"],
)
def test_the_common_field_check_catches_a_line_without_them(broken):
    """The contract suite's check of every log line (test_contract_lifecycle) fails on such a line."""
    good = {"ts": "2026-01-01T00:00:00.000Z", "level": "info", "msg": "started"}
    assert_common_log_fields([good])
    with pytest.raises(AssertionError):
        assert_common_log_fields([good, broken])
