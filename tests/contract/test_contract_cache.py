"""Contract: read-through caching of single-resource reads (docs/contract.md, "Caching").

Checked from outside only: the cache metrics on /metrics, what reads return after writes, and
/readyz, with the cache server CACHE_URL names up, expired, down and back.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from tests.contract.checks import Api, Principal, describe, metric_value, metrics
from tests.contract.targets import Target, caches, has_principals, only_for, speaks_rest, wait_until
from tests.helpers.facts import CONTRACT
from tests.helpers.servers import CacheServer
from tests.helpers.service import RunningService

pytestmark = pytest.mark.e2e


def applies_to(spec) -> bool:
    return caches(spec) and speaks_rest(spec)


ENV = CONTRACT["env"]
HITS = CONTRACT["metric_cache_hits"]
MISSES = CONTRACT["metric_cache_misses"]
ERRORS = CONTRACT["metric_cache_errors"]
# A request the service answers while its cache is down still takes no longer than this.
DOWN_BUDGET_SECONDS = 2.0


def counts(base_url: str) -> tuple[float, float]:
    families = metrics(base_url)
    return metric_value(families, HITS), metric_value(families, MISSES)


def read(api: Api, item_id: str) -> dict:
    response = api.http.get(api.item(item_id))
    assert response.status_code == 200, describe(response)
    return response.json()


def test_cache_metrics_are_counters_without_labels(api):
    families = metrics(api.base_url)
    for name in (HITS, MISSES, ERRORS):
        family = families.get(name.removesuffix("_total"))
        assert family is not None and family.type == "counter", (
            f"{name} must be exposed as a counter from the start; families: {sorted(families)}"
        )
    for name in (HITS, MISSES):
        (sample,) = [s for s in families[name.removesuffix("_total")].samples if s.name == name]
        assert sample.labels == {}, f"{name} has no labels: {sample}"
    operations = {s.labels.get("operation") for s in families[ERRORS.removesuffix("_total")].samples}
    assert {"get", "set", "delete"} <= operations, f"{ERRORS} has a series per operation: {operations}"


def test_reading_one_item_twice_is_a_miss_then_a_hit(api, owner: Principal):
    item = api.create(owner, name="cached once")
    hits, misses = counts(api.base_url)
    assert read(api, item["id"]) == item
    assert counts(api.base_url) == (hits, misses + 1), "the first read of an item is a miss"
    assert read(api, item["id"]) == item
    assert counts(api.base_url) == (hits + 1, misses + 1), "the second read is a hit"


def test_lists_and_unknown_ids_are_not_counted(api, owner: Principal):
    api.create(owner, name="listed")
    before = counts(api.base_url)
    assert api.http.get(api.collection).status_code == 200
    assert counts(api.base_url) == before, "list reads do not go through the cache"
    assert api.http.get(api.item("no-such-id")).status_code == 404
    hits = counts(api.base_url)[0]
    assert hits == before[0], "an unknown id is never a hit"
    assert api.http.get(api.item("no-such-id")).status_code == 404
    assert counts(api.base_url)[0] == hits, "a 404 is not cached"


def test_an_update_is_seen_by_the_next_read(api, owner: Principal):
    item = api.create(owner, name="before", description="old")
    read(api, item["id"])
    read(api, item["id"])  # cached for sure
    updated = api.http.put(api.item(item["id"]), json={"name": "after"}, headers=owner.auth)
    assert updated.status_code == 200, describe(updated)
    fresh = read(api, item["id"])
    assert (fresh["name"], fresh["description"]) == ("after", ""), f"stale read after an update: {fresh}"
    assert read(api, item["id"]) == fresh


def test_a_delete_is_seen_by_the_next_read(api, owner: Principal):
    item = api.create(owner, name="short-lived")
    read(api, item["id"])
    read(api, item["id"])
    deleted = api.http.delete(api.item(item["id"]), headers=owner.auth)
    assert deleted.status_code == 204, describe(deleted)
    gone = api.http.get(api.item(item["id"]))
    assert gone.status_code == 404, f"a deleted item is still served: {describe(gone)}"


@only_for(has_principals)
def test_a_refused_write_leaves_the_cached_item_as_it_was(api, owner: Principal, stranger: Principal):
    item = api.create(owner, name="mine")
    read(api, item["id"])
    refused = api.http.put(api.item(item["id"]), json={"name": "stolen"}, headers=stranger.auth)
    assert refused.status_code == 403, describe(refused)
    assert read(api, item["id"]) == item


def test_readyz_reports_the_cache(api):
    response = api.http.get(CONTRACT["readiness_path"])
    assert response.status_code == 200, describe(response)
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}, describe(
        response
    )


def test_entries_expire_after_cache_ttl_seconds(target: Target):
    # 2 s, not 1: Memcached counts expiry in whole seconds of its own clock, so an entry lives
    # between TTL-1 and TTL seconds there.
    instance = target.start("cache-ttl", target.service_env("cache-ttl", **{ENV["cache_ttl"]: "2"}))
    api = target.api(instance)
    try:
        item = api.create(api.new_principal(), name="expiring")
        hits, misses = counts(api.base_url)
        read(api, item["id"])
        read(api, item["id"])
        assert counts(api.base_url) == (hits + 1, misses + 1), "a miss, then a hit within the TTL"
        time.sleep(3)
        read(api, item["id"])
        assert counts(api.base_url) == (hits + 1, misses + 2), (
            f"the entry outlived {ENV['cache_ttl']}=2 (a hit 3 s later)"
        )
    finally:
        api.close()
        instance.stop()


@pytest.fixture
def own_cache(target: Target) -> Iterator[tuple[RunningService, CacheServer]]:
    """An instance on a cache server of its own, which the test may take down."""
    server = target.new_cache_server()
    instance = target.start("cache-down", target.service_env("cache-down", **{ENV["cache_url"]: server.url}))
    yield instance, server
    instance.stop()
    server.cleanup()


def timed(call, *args, **kwargs) -> httpx.Response:
    started = time.monotonic()
    response = call(*args, **kwargs)
    took = time.monotonic() - started
    assert took < DOWN_BUDGET_SECONDS, f"took {took:.2f}s with the cache down: {describe(response)}"
    return response


def test_with_the_cache_down_the_service_serves_from_the_database(target: Target, own_cache):
    instance, server = own_cache
    api = target.api(instance)
    try:
        owner = api.new_principal()
        item = api.create(owner, name="survives")
        read(api, item["id"])
        read(api, item["id"])

        server.stop()
        errors = metric_value(metrics(api.base_url), ERRORS)
        hits, misses = counts(api.base_url)
        response = timed(api.http.get, api.item(item["id"]))
        assert response.status_code == 200 and response.json() == item, describe(response)
        assert counts(api.base_url) == (hits, misses + 1), "a read the cache cannot answer is a miss"
        assert metric_value(metrics(api.base_url), ERRORS) > errors, f"{ERRORS} counts the failure"

        updated = timed(api.http.put, api.item(item["id"]), json={"name": "renamed"}, headers=owner.auth)
        assert updated.status_code == 200, describe(updated)
        assert timed(api.http.get, api.item(item["id"])).json()["name"] == "renamed"
        other = timed(api.http.post, api.collection, json={"name": "new"}, headers=owner.auth)
        assert other.status_code == 201, describe(other)
        deleted = timed(api.http.delete, api.item(other.json()["id"]), headers=owner.auth)
        assert deleted.status_code == 204, describe(deleted)
        assert timed(api.http.get, api.item(other.json()["id"])).status_code == 404

        ready = timed(api.http.get, CONTRACT["readiness_path"])
        assert ready.status_code == 200, (
            f"a cache that is down does not make the service unready: {describe(ready)}"
        )
        assert ready.json() == {"status": "degraded", "checks": {"database": "ok", "cache": "fail"}}, (
            describe(ready)
        )
        health = api.http.get(CONTRACT["health_path"])
        assert health.status_code == 200, describe(health)
    finally:
        api.close()


def test_the_cache_is_used_again_once_it_is_back(target: Target, own_cache):
    instance, server = own_cache
    api = target.api(instance)
    try:
        item = api.create(api.new_principal(), name="comes back")
        server.stop()
        read(api, item["id"])
        server.start()  # empty, on the same address

        def cache_ok() -> bool:
            body = api.http.get(CONTRACT["readiness_path"]).json()
            return body.get("checks", {}).get("cache") == "ok"

        assert wait_until(cache_ok, timeout=15, interval=0.3), (
            "/readyz never reported the cache ok again after it came back: "
            + describe(api.http.get(CONTRACT["readiness_path"]))
        )
        hits, _ = counts(api.base_url)
        read(api, item["id"])
        read(api, item["id"])
        assert counts(api.base_url)[0] == hits + 1, "reads are cached again once the cache is back"
        assert api.http.get(CONTRACT["readiness_path"]).json()["status"] == "ok"
    finally:
        api.close()


@pytest.mark.parametrize("url", ["localhost:6379", "http://localhost:11211", "nonsense"])
def test_a_malformed_cache_url_is_refused_before_listening(target: Target, url: str):
    env = target.service_env("bad-cache-url", **{ENV["cache_url"]: url})
    target.start_expecting_refusal("bad-cache-url", env).assert_refused(f"{ENV['cache_url']}={url!r}")
