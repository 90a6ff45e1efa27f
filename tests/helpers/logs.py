"""log_stack=loki: what the generated Alloy config does to a line, and what the dashboard's LogQL
asks of it. The wiring checks compare the two; the live test pushes lines to a real Loki the way
this pipeline describes and runs the dashboard's queries against them."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tests.helpers import alloy

ALLOY_CONFIG = Path("monitoring/alloy/config.alloy")
LOKI_CONFIG = Path("monitoring/loki/loki.yaml")
DATASOURCE = Path("monitoring/grafana/provisioning/datasources/loki.yml")
DASHBOARD = Path("monitoring/grafana/dashboards/logs.json")
FILES = (ALLOY_CONFIG, LOKI_CONFIG, DATASOURCE, DASHBOARD)

# The Docker discovery meta label that holds a container's compose service.
COMPOSE_SERVICE_META = "__meta_docker_container_label_com_docker_compose_service"

_MATCHER = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"')
_PIPE_FILTER = re.compile(r"\|\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|>=|<=|==|=|>|<)")
_GROUPING = re.compile(r"\b(?:by|without)\s*\(([^)]*)\)")


@dataclass(frozen=True)
class Pipeline:
    """The generated Alloy config, followed from its Docker source to its Loki write endpoint."""

    source: alloy.Block
    discovery: alloy.Block
    process: alloy.Block
    write_url: str
    # Index label -> the discovery meta label it is copied from.
    relabelled: dict[str, str]
    # Index labels taken from the JSON line, per-line metadata, and the time field.
    line_labels: list[str]
    structured_metadata: list[str]
    timestamp_field: str
    json_fields: list[str]

    @property
    def labels(self) -> set[str]:
        return set(self.relabelled) | set(self.line_labels)

    def entry(self, line: str, compose_service: str) -> tuple[dict[str, str], list]:
        """(stream labels, Loki push value) for one stdout line of `compose_service`'s container."""
        labels = {
            label: compose_service for label, meta in self.relabelled.items() if meta == COMPOSE_SERVICE_META
        }
        record = json.loads(line)
        extracted = {name: record[name] for name in self.json_fields if name in record}
        labels.update({name: str(extracted[name]) for name in self.line_labels if name in extracted})
        metadata = {name: str(extracted[name]) for name in self.structured_metadata if name in extracted}
        stamp = datetime.fromisoformat(str(extracted[self.timestamp_field]).replace("Z", "+00:00"))
        nanoseconds = str(int(stamp.timestamp() * 1_000_000) * 1000)
        return labels, [nanoseconds, line, metadata] if metadata else [nanoseconds, line]


def _stage(process: alloy.Block, name: str) -> alloy.Block:
    return process.one(f"stage.{name}")


def pipeline(project: Path) -> Pipeline:
    """Follows the config from the Docker source through its processing to the write endpoint;
    fails when a link is broken or the source skips the processing."""
    components = alloy.load(project / ALLOY_CONFIG)
    (source,) = [block for key, block in components.items() if key.startswith("loki.source.docker.")]
    discovery = alloy.export_owner(source.attributes["targets"], components, "targets")
    assert discovery.name == "discovery.docker", f"the source reads {discovery.name}'s targets"
    relabel = alloy.export_owner(source.attributes["relabel_rules"], components, "rules")
    (to_process,) = source.attributes["forward_to"]
    process = alloy.export_owner(to_process, components, "receiver")
    assert process.name == "loki.process", "the source's lines go through the JSON processing"
    (to_write,) = process.attributes["forward_to"]
    write = alloy.export_owner(to_write, components, "receiver")
    assert write.name == "loki.write", "the processed lines go to Loki"
    relabelled = {}
    for rule in relabel.children("rule"):
        assert rule.attributes.get("action", "replace") == "replace", rule.attributes
        (meta,) = rule.attributes["source_labels"]
        relabelled[rule.attributes["target_label"]] = meta
    json_stage = _stage(process, "json")
    return Pipeline(
        source=source,
        discovery=discovery,
        process=process,
        write_url=write.one("endpoint").attributes["url"],
        relabelled=relabelled,
        line_labels=list(_stage(process, "labels").attributes["values"]),
        structured_metadata=list(_stage(process, "structured_metadata").attributes["values"]),
        timestamp_field=_stage(process, "timestamp").attributes["source"],
        json_fields=list(json_stage.attributes["expressions"]),
    )


def dashboard_queries(project: Path) -> list[tuple[dict, dict]]:
    """(panel, target) for every query of the logs dashboard."""
    dashboard = json.loads((project / DASHBOARD).read_text(encoding="utf-8"))
    return [(panel, target) for panel in dashboard["panels"] for target in panel.get("targets", [])]


def dashboard_variable(project: Path) -> str:
    """The name of the logs dashboard's one variable (the request id to show)."""
    dashboard = json.loads((project / DASHBOARD).read_text(encoding="utf-8"))
    (variable,) = dashboard["templating"]["list"]
    return variable["name"]


def variables_used(expr: str) -> set[str]:
    return set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", expr))


def stream_matchers(expr: str) -> list[tuple[str, str, str]]:
    """(label, operator, value) of every stream selector `{...}` in a LogQL expression."""
    return [m for selector in re.findall(r"\{([^{}]*)\}", expr) for m in _MATCHER.findall(selector)]


def pipe_filters(expr: str) -> set[str]:
    """The names a LogQL expression filters on after a `|` (labels, metadata or parsed fields)."""
    return {name for name, _ in _PIPE_FILTER.findall(expr) if name not in {"json", "logfmt", "line_format"}}


def grouping_labels(expr: str) -> set[str]:
    return {name.strip() for group in _GROUPING.findall(expr) for name in group.split(",") if name.strip()}


def parses_json(expr: str) -> bool:
    return re.search(r"\|\s*json\b", expr) is not None
