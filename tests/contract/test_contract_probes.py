"""Contract: configuration by PORT, /healthz, /readyz (200 and 503)."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest

from tests.contract.checks import assert_problem, describe
from tests.contract.targets import caches, wait_until
from tests.helpers.facts import CONTRACT
from tests.helpers.service import fixed_ports, port_is_open

pytestmark = pytest.mark.e2e


def test_healthz_answers_ok(api):
    response = api.http.get(CONTRACT["health_path"])
    assert response.status_code == 200, describe(response)
    assert response.headers["content-type"].startswith("application/json"), describe(response)
    assert response.json() == {"status": "ok"}, describe(response)


def test_readyz_is_ok_when_the_database_answers(api, target):
    response = api.http.get(CONTRACT["readiness_path"])
    assert response.status_code == 200, describe(response)
    body = response.json()
    assert body.get("status") == "ok", describe(response)
    # A service with a cache reports it too (tests/contract/test_contract_cache.py).
    expected = {"database": "ok", **({"cache": "ok"} if caches(target.spec) else {})}
    assert body.get("checks") == expected, describe(response)


def test_readyz_is_503_problem_when_the_database_does_not_answer(target):
    with target.failing_dependency() as instance:
        url = instance.base_url + CONTRACT["readiness_path"]
        seen: list[httpx.Response] = []

        def unready() -> bool:
            seen.append(httpx.get(url, timeout=10))
            return seen[-1].status_code == 503

        assert wait_until(unready, timeout=20, interval=0.5), (
            f"/readyz never became 503 with the database down; last: {describe(seen[-1])}"
        )
        body = assert_problem(seen[-1], 503)
        assert body.get("checks", {}).get("database") == "fail", describe(seen[-1])
        # Liveness checks nothing but the process.
        health = httpx.get(instance.base_url + CONTRACT["health_path"], timeout=10)
        assert health.status_code == 200, describe(health)


def test_port_is_honoured_and_defaults_to_the_stack_port(target, service):
    default_port = target.facts["port"]
    assert service.port != default_port, "the suite must run its main instance on a PORT of its own choosing"
    assert httpx.get(service.base_url + CONTRACT["health_path"], timeout=10).status_code == 200

    # PORT unset: the facts table's default port.
    with fixed_ports(default_port):
        deadline = time.monotonic() + 30
        while port_is_open(default_port):
            if time.monotonic() > deadline:
                pytest.fail(
                    f"port {default_port} stays busy on 127.0.0.1 (another process?); cannot check the default"
                )
            time.sleep(0.5)
        instance = target.start("default-port", target.service_env("default-port"), port=0)
        try:
            marker = f"default-port-{uuid.uuid4().hex}"
            response = httpx.get(
                f"http://127.0.0.1:{default_port}{CONTRACT['health_path']}",
                headers={CONTRACT["request_id_header"]: marker},
                timeout=10,
            )
            assert response.status_code == 200, describe(response)
            # It is our instance that answered, not something else on that port.
            assert wait_until(lambda: marker in instance.stdout_text(), timeout=5), (
                "the answer on the default port did not come from the instance started without PORT\n"
                + instance.output_tail()
            )
        finally:
            assert instance.stop() == 0, instance.output_tail()
