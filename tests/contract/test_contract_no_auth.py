"""Contract (auth none): writes need no credentials, every caller is the one anonymous principal,
there are no auth endpoints, and production refuses to start unless anonymous writes are allowed."""

from __future__ import annotations

import httpx
import pytest

from tests.contract.checks import assert_problem, describe
from tests.contract.targets import has_principals, only_for, speaks_rest
from tests.helpers.facts import CONTRACT

pytestmark = pytest.mark.e2e


def applies_to(spec) -> bool:
    """Every API style; the checks that write through the REST API narrow to it (SOAP's are in
    test_contract_soap)."""
    return not has_principals(spec)


ANONYMOUS = CONTRACT["anonymous_principal"]
ENV = CONTRACT["env"]


@only_for(speaks_rest)
def test_writes_need_no_credentials(api):
    created = api.http.post(api.collection, json={"name": "public", "description": "anyone"})
    assert created.status_code == 201, describe(created)
    item = created.json()
    assert item["owner_id"] == ANONYMOUS, f"every item's owner_id is {ANONYMOUS!r}: {item}"
    updated = api.http.put(api.item(item["id"]), json={"name": "changed"})
    assert updated.status_code == 200, describe(updated)
    assert updated.json()["name"] == "changed"
    deleted = api.http.delete(api.item(item["id"]))
    assert deleted.status_code == 204, describe(deleted)
    assert_problem(api.http.get(api.item(item["id"])), 404)


@only_for(speaks_rest)
@pytest.mark.parametrize(
    "credentials",
    [
        {"Authorization": "Bearer not-a-token"},
        {CONTRACT["api_key_header"]: "not-a-key"},
        {"Authorization": "Basic eDp5"},
    ],
    ids=["bearer", "api-key", "basic"],
)
def test_credentials_are_ignored_and_anyone_may_change_anything(api, credentials):
    item = api.create(api.new_principal(), name="someone's")
    updated = api.http.put(api.item(item["id"]), json={"name": "someone else's"}, headers=credentials)
    assert updated.status_code == 200, describe(updated)
    assert updated.json()["owner_id"] == ANONYMOUS, "credentials do not make another principal"
    created = api.http.post(api.collection, json={"name": "with credentials"}, headers=credentials)
    assert created.status_code == 201, describe(created)
    assert created.json()["owner_id"] == ANONYMOUS
    assert api.http.delete(api.item(item["id"]), headers=credentials).status_code == 204


@pytest.mark.parametrize("path", ["register", "token"])
def test_there_are_no_auth_endpoints(api, path):
    response = api.http.post(
        f"{api.prefix}/auth/{path}", json={"email": "a@example.com", "password": "x" * 12}
    )
    assert_problem(response, 404)


@pytest.mark.parametrize("allow", [None, "false", ""], ids=["unset", "false", "empty"])
def test_production_refuses_anonymous_writes_before_listening(target, allow):
    env = target.service_env(
        "production-anonymous", **{ENV["app_env"]: "production", ENV["allow_anonymous_writes"]: allow}
    )
    refusal = target.start_expecting_refusal("production-anonymous", env)
    refusal.assert_refused(f"APP_ENV=production with {ENV['allow_anonymous_writes']}={allow!r}")


@only_for(speaks_rest)
def test_production_serves_when_anonymous_writes_are_allowed(target):
    env = target.service_env(
        "production-allowed", **{ENV["app_env"]: "production", ENV["allow_anonymous_writes"]: "true"}
    )
    instance = target.start("production-allowed", env)
    try:
        response = httpx.post(
            f"{instance.base_url}{CONTRACT['api_prefix']}/{target.plural}", json={"name": "prod"}, timeout=10
        )
        assert response.status_code == 201, describe(response)
    finally:
        assert instance.stop() == 0, instance.output_tail()
