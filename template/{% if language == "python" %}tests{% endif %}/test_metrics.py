from __future__ import annotations

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from .conftest import RESOURCE_PATH, PrincipalFactory


def _samples(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def _value(
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str
) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_requests_are_counted_by_route_template(
    client: TestClient, make_principal: PrincipalFactory
) -> None:
    _, auth = make_principal()
    created = client.post(RESOURCE_PATH, json={"name": "first"}, headers=auth)
    item_path = f"{RESOURCE_PATH}/{created.json()['id']}"
    before = _samples(client)
    client.get(item_path)
    client.get(item_path)
    client.get(f"{RESOURCE_PATH}/does-not-exist")
    client.get("/healthz")
    after = _samples(client)

    route = RESOURCE_PATH + "/{id}"
    ok = {"method": "GET", "route": route, "status": "200"}
    missing = {"method": "GET", "route": route, "status": "404"}
    assert (
        _value(after, "http_requests_total", **ok) - _value(before, "http_requests_total", **ok)
        == 2
    )
    assert (
        _value(after, "http_requests_total", **missing)
        - _value(before, "http_requests_total", **missing)
        == 1
    )
    health = {"method": "GET", "route": "/healthz", "status": "200"}
    assert _value(after, "http_requests_total", **health) > _value(
        before, "http_requests_total", **health
    )
    assert _value(after, "http_request_duration_seconds_count", **ok) >= 2
    assert _value(after, "http_request_duration_seconds_bucket", **ok, le="+Inf") >= 2
    assert (("http_request_duration_seconds_sum", tuple(sorted(ok.items())))) in after
    # raw ids never become label values
    assert not any(item_path in dict(labels).get("route", "") for _, labels in after)


def test_unknown_paths_share_the_unmatched_route(client: TestClient) -> None:
    client.get("/no/such/path")
    client.get("/another/unknown")
    samples = _samples(client)
    labels = {"method": "GET", "route": "unmatched", "status": "404"}
    assert _value(samples, "http_requests_total", **labels) >= 2
    assert not any(dict(key).get("route") == "/no/such/path" for _, key in samples)


def test_metrics_requests_are_counted(client: TestClient) -> None:
    client.get("/metrics")
    samples = _samples(client)
    assert _value(samples, "http_requests_total", method="GET", route="/metrics", status="200") >= 1
