"""Live: real Prometheus scrapes the generated service with the generated config, and every alert
rule and dashboard query parses, evaluates, and only names metrics the service really exposes."""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from tests.contract.checks import Api
from tests.contract.targets import Target, TargetSpec, lab, wait_until
from tests.helpers.facts import CONTRACT, ENABLED_LANGUAGES, options_for
from tests.helpers.servers import PrometheusServer
from tests.helpers.service import RunningService

pytestmark = pytest.mark.e2e

PROMETHEUS_YML = Path("monitoring/prometheus/prometheus.yml")
DASHBOARDS = Path("monitoring/grafana/dashboards")
# Grafana's built-in variables, with values that make sense for a 1 s scrape interval.
GRAFANA_VARIABLES = {
    "$__rate_interval": "1m",
    "${__rate_interval}": "1m",
    "$__interval_ms": "15000",
    "$__interval": "15s",
    "${__interval}": "15s",
    "$__range_s": "300",
    "$__range_ms": "300000",
    "$__range": "5m",
    "${__range}": "5m",
}
PROMQL_WORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless",
    "offset", "inf", "nan", "atan2", "start", "end",
}  # fmt: skip


# Each language on its defaults, and with a cache when it offers one (the dashboard then has
# cache panels; one cache is enough, all expose the same metrics).
LIVE = [(language, None) for language in ENABLED_LANGUAGES] + [
    (language, caches[0])
    for language in ENABLED_LANGUAGES
    if (caches := [value for value in options_for(language, "cache") if value != "none"])
]


@pytest.fixture(
    scope="module",
    params=LIVE,
    ids=[language if cache is None else f"{language}-cache={cache}" for language, cache in LIVE],
)
def live(request, render, tmp_path_factory) -> Iterator[tuple[Target, RunningService, PrometheusServer, str]]:
    """Each enabled language's service on its default database, scraped by a real Prometheus."""
    language, cache = request.param
    answers = yaml.safe_load((render(language=language) / ".copier-answers.yml").read_text())
    spec = TargetSpec(answers["language"], answers["database"])
    if cache is not None:
        spec = TargetSpec(answers["language"], answers["database"], cache=cache)
    target = lab().target(spec, render)
    project = target.project_dir
    source = project / PROMETHEUS_YML
    assert source.is_file(), f"the generated project has no {PROMETHEUS_YML}"
    service = target.start("prometheus-live")

    workdir = tmp_path_factory.mktemp("prometheus")
    config = yaml.safe_load(source.read_text())
    config.setdefault("global", {}).update({"scrape_interval": "1s", "evaluation_interval": "1s"})
    config["global"].pop("scrape_timeout", None)
    rule_files = []
    for pattern in config.get("rule_files", []):
        matches = sorted(source.parent.glob(pattern))
        assert matches, f"rule_files entry {pattern!r} of {PROMETHEUS_YML} matches no generated file"
        for rule_file in matches:
            copy = workdir / rule_file.name
            shutil.copy(rule_file, copy)
            rule_files.append(str(copy))
    config["rule_files"] = rule_files
    jobs = config.get("scrape_configs", [])
    assert jobs, f"{PROMETHEUS_YML} has no scrape_configs"
    for job in jobs:
        assert job.get("static_configs"), (
            f"job {job.get('job_name')} has no static_configs to point at the service"
        )
        job["static_configs"] = [{"targets": [f"127.0.0.1:{service.port}"]}]
        job.pop("scrape_timeout", None)
        job["scrape_interval"] = "1s"
    assert any(job.get("metrics_path", "/metrics") == CONTRACT["metrics_path"] for job in jobs)
    config_file = workdir / "prometheus.yml"
    config_file.write_text(yaml.safe_dump(config, sort_keys=False))

    prometheus = PrometheusServer(config_file, workdir)
    try:
        yield target, service, prometheus, jobs[0]["job_name"]
    finally:
        prometheus.stop()
        service.stop()


def rule_expressions(rule_files: list[Path]) -> list[tuple[str, str]]:
    found = []
    for rule_file in rule_files:
        for group in yaml.safe_load(rule_file.read_text()).get("groups", []):
            for rule in group.get("rules", []):
                found.append((f"rule {rule.get('alert') or rule.get('record')}", rule["expr"]))
    return found


def dashboard_expressions(project: Path) -> list[tuple[str, str]]:
    found = []

    def walk(panels, dashboard):
        for panel in panels or []:
            for target in panel.get("targets", []):
                if target.get("expr"):
                    found.append((f"{dashboard} panel {panel.get('title')!r}", target["expr"]))
            walk(panel.get("panels"), dashboard)

    files = sorted((project / DASHBOARDS).glob("*.json"))
    assert files, f"the generated project has no dashboard in {DASHBOARDS}"
    for path in files:
        document = json.loads(path.read_text())
        walk(document.get("panels"), path.name)
        for row in document.get("rows", []):
            walk(row.get("panels"), path.name)
    return found


def substitute(expr: str, job: str) -> str:
    for variable, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(variable, value)
    expr = re.sub(r"\$\{?job\}?", job, expr)
    assert "$" not in expr, f"unknown Grafana variable left in {expr!r}"
    return expr


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression selects (strings, label matchers, ranges, clauses dropped)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'', '""', expr)
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    names = set()
    for match in re.finditer(r"(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\()?", text):
        word, call = match.group(1), match.group(2)
        if call or word.lower() in PROMQL_WORDS or re.fullmatch(r"\d+[smhdwy]", word):
            continue
        names.add(word)
    return names


def test_metric_name_extraction_understands_promql():
    expr = (
        'histogram_quantile(0.95, sum by (route, le) (rate(http_request_duration_seconds_bucket{job="x", '
        'route!~"/healthz|up"}[5m]))) / on(job) group_left sum(up{job="x"}) > bool 0.5'
    )
    assert metric_names(expr) == {"http_request_duration_seconds_bucket", "up"}


def test_prometheus_scrapes_the_service(live):
    _, _, prometheus, job = live

    def up() -> bool:
        targets = prometheus.api("/api/v1/targets")["data"]["activeTargets"]
        return any(t["labels"].get("job") == job and t["health"] == "up" for t in targets)

    assert wait_until(up, timeout=30, interval=0.5), (
        f"target of job {job} never became up: {prometheus.api('/api/v1/targets')}\n{prometheus.log_tail()}"
    )


def test_every_rule_and_panel_query_evaluates_on_exposed_metrics(live):
    target, service, prometheus, job = live
    assert wait_until(
        lambda: prometheus.api("/api/v1/query", query=f'up{{job="{job}"}} == 1')["data"]["result"], timeout=30
    ), f"job {job} is not up in Prometheus\n{prometheus.log_tail()}"

    # Traffic of every kind the queries look at: successes, 4xx, unmatched routes.
    api = Api(service.base_url, target.plural)
    try:
        owner = api.new_user()
        for i in range(5):
            item = api.create(owner, name=f"scraped {i}")
            api.http.get(api.item(item["id"]))
            api.http.get(api.item(item["id"]))  # a cache hit, where there is a cache
            api.http.get(api.collection)
            api.http.get(f"/no-such-page-{i}")
            api.http.get(api.item(f"missing-{i}"))
            api.http.post(api.collection, json={"name": "anonymous"})
    finally:
        api.close()
    time.sleep(3)  # a few scrapes after the traffic, so rate() has two points

    exposed_response = httpx.get(
        prometheus.base_url + "/api/v1/label/__name__/values",
        params={"match[]": f'{{job="{job}"}}'},
        timeout=10,
    ).json()
    exposed = set(exposed_response["data"])
    for name in (CONTRACT["metric_requests"], f"{CONTRACT['metric_duration']}_bucket"):
        assert name in exposed, f"Prometheus has no {name} from the service: {sorted(exposed)}"

    rule_files = [
        Path(p) for p in yaml.safe_load((prometheus.workdir / "prometheus.yml").read_text())["rule_files"]
    ]
    expressions = rule_expressions(rule_files) + dashboard_expressions(target.project_dir)
    assert len(rule_expressions(rule_files)) >= 1 and len(dashboard_expressions(target.project_dir)) >= 1
    problems = []
    for where, raw in expressions:
        expr = substitute(raw, job)
        answer = prometheus.api("/api/v1/query", query=expr)
        if answer.get("status") != "success":
            problems.append(f"{where}: {expr!r} does not evaluate: {answer.get('error')}")
            continue
        names = metric_names(expr)
        if not names:
            problems.append(f"{where}: {expr!r} selects no metric")
        missing = names - exposed
        if missing:
            problems.append(f"{where}: {expr!r} uses {sorted(missing)}, which the service does not expose")
    assert not problems, "\n".join(problems)

    # Prometheus itself loaded and evaluated every rule without error.
    groups = prometheus.api("/api/v1/rules")["data"]["groups"]
    loaded = [rule for group in groups for rule in group["rules"]]
    assert len(loaded) == len(rule_expressions(rule_files)), "Prometheus did not load every rule"
    assert wait_until(
        lambda: all(
            rule.get("health") == "ok"
            for group in prometheus.api("/api/v1/rules")["data"]["groups"]
            for rule in group["rules"]
        ),
        timeout=10,
    ), f"rules with evaluation errors: {prometheus.api('/api/v1/rules')['data']}"
