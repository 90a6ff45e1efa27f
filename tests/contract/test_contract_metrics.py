"""Contract: /metrics in Prometheus text format, names, labels, route templates, histogram parts."""

from __future__ import annotations

import math
import re
import uuid

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.contract.checks import describe
from tests.contract.targets import rest_with_bearer_tokens
from tests.helpers.facts import CONTRACT

pytestmark = pytest.mark.e2e
applies_to = rest_with_bearer_tokens

REQUESTS = CONTRACT["metric_requests"]
DURATION = CONTRACT["metric_duration"]
UNMATCHED = CONTRACT["unmatched_route"]
LABELS = {"method", "route", "status"}


def scrape(api) -> list:
    response = api.http.get(CONTRACT["metrics_path"])
    assert response.status_code == 200, describe(response)
    assert response.headers.get("content-type", "").startswith("text/plain"), describe(response)
    try:
        return list(text_string_to_metric_families(response.text))
    except Exception as error:  # the parser raises ValueError and friends on bad text
        pytest.fail(f"/metrics is not valid Prometheus text format: {error!r}\n{response.text[:2000]}")


def samples(families, name: str) -> list:
    return [sample for family in families for sample in family.samples if sample.name == name]


def value(families, name: str, **labels) -> float:
    found = [s.value for s in samples(families, name) if all(s.labels.get(k) == v for k, v in labels.items())]
    assert len(found) <= 1 or "le" in labels or name.endswith("_bucket"), (
        f"several {name} series for {labels}"
    )
    return sum(found)


def family_type(families, *names: str) -> str | None:
    for family in families:
        if family.name in names:
            return family.type
    return None


def test_metric_families_and_types(api):
    api.http.get(CONTRACT["health_path"])
    families = scrape(api)
    assert family_type(families, REQUESTS, REQUESTS.removesuffix("_total")) == "counter", (
        f"{REQUESTS} must be a counter; families: {[(f.name, f.type) for f in families]}"
    )
    assert family_type(families, DURATION) == "histogram", f"{DURATION} must be a histogram"
    for name in (REQUESTS, f"{DURATION}_bucket", f"{DURATION}_sum", f"{DURATION}_count"):
        assert samples(families, name), f"no {name} series exposed"


def test_labels_are_method_route_template_and_status(api, owner):
    note = api.create(owner, name="metrics label check")
    assert api.http.get(api.item(note["id"])).status_code == 200
    assert api.http.get(api.collection, params={"limit": 5}).status_code == 200
    stray = f"/no-such-route-{uuid.uuid4().hex}"
    assert api.http.get(stray).status_code == 404
    assert api.http.get(f"{api.collection}/{note['id']}/extra/{uuid.uuid4().hex}").status_code == 404
    scrape(api)
    families = scrape(api)

    for name in (REQUESTS, f"{DURATION}_count", f"{DURATION}_sum", f"{DURATION}_bucket"):
        for sample in samples(families, name):
            assert set(sample.labels) >= LABELS, (
                f"{name} series lacks {LABELS - set(sample.labels)}: {sample}"
            )
            assert sample.labels["method"] == sample.labels["method"].upper(), (
                f"method must be upper case: {sample}"
            )
            assert re.fullmatch(r"[1-5]\d\d", sample.labels["status"]), (
                f"status must be the numeric code: {sample}"
            )
            route = sample.labels["route"]
            assert route == UNMATCHED or route.startswith("/"), (
                f"route must be a template or {UNMATCHED!r}: {sample}"
            )
            assert note["id"] not in route, f"route carries a raw id, not the template: {sample}"
            assert "no-such-route" not in route and "/extra/" not in route, (
                f"raw unmatched URL as route: {sample}"
            )

    item_template = f"{api.collection}/{{id}}"
    expected = [
        ("POST", api.collection, "201"),
        ("GET", item_template, "200"),
        ("GET", api.collection, "200"),
        ("GET", UNMATCHED, "404"),
        ("GET", CONTRACT["metrics_path"], "200"),
    ]
    for method, route, status in expected:
        labels = {"method": method, "route": route, "status": status}
        assert value(families, REQUESTS, **labels) >= 1, f"no {REQUESTS}{labels} series after such a request"
        assert value(families, f"{DURATION}_count", **labels) >= 1, f"no {DURATION}_count{labels}"


def test_counters_and_histogram_count_increase(api):
    labels = {"method": "GET", "route": CONTRACT["health_path"], "status": "200"}
    before = scrape(api)
    for _ in range(3):
        assert api.http.get(CONTRACT["health_path"]).status_code == 200
    after = scrape(api)
    assert value(after, REQUESTS, **labels) >= value(before, REQUESTS, **labels) + 3, (
        "probe requests must be counted"
    )
    assert value(after, f"{DURATION}_count", **labels) >= value(before, f"{DURATION}_count", **labels) + 3
    assert value(after, f"{DURATION}_sum", **labels) >= value(before, f"{DURATION}_sum", **labels)

    stray = {"method": "GET", "route": UNMATCHED, "status": "404"}
    for _ in range(2):
        api.http.get(f"/not-here-{uuid.uuid4().hex}")
    again = scrape(api)
    assert value(again, REQUESTS, **stray) >= value(after, REQUESTS, **stray) + 2, (
        "unmatched requests are counted"
    )


def test_histogram_buckets_sum_and_count_are_consistent(api):
    for _ in range(2):
        api.http.get(CONTRACT["health_path"])
    families = scrape(api)
    series: dict[tuple, list] = {}
    for sample in samples(families, f"{DURATION}_bucket"):
        key = tuple(sorted((k, v) for k, v in sample.labels.items() if k != "le"))
        series.setdefault(key, []).append(sample)
    assert series, f"no {DURATION}_bucket series"
    for key, buckets in series.items():
        labels = dict(key)
        bounds = sorted(buckets, key=lambda s: float(s.labels["le"]))
        assert math.isinf(float(bounds[-1].labels["le"])), f"no le=+Inf bucket for {labels}"
        counts = [s.value for s in bounds]
        assert counts == sorted(counts), f"bucket counts must be cumulative for {labels}: {counts}"
        assert len(bounds) >= 2, f"a single bucket is not a useful histogram for {labels}"
        count = value(families, f"{DURATION}_count", **labels)
        assert counts[-1] == count, f"+Inf bucket {counts[-1]} != _count {count} for {labels}"
        assert value(families, f"{DURATION}_sum", **labels) >= 0
