"""Contract (auth api_key): keys minted and revoked with the service's own commands, sent in the
X-API-Key header; every bad key is a 401 with `WWW-Authenticate: ApiKey`; keys never stored in clear."""

from __future__ import annotations

import uuid

import pytest

from tests.contract.checks import assert_problem, describe
from tests.contract.targets import only_for, speaks_rest, uses_api_keys
from tests.helpers.facts import CONTRACT, naming

pytestmark = pytest.mark.e2e


# Every API style; the checks that write through the REST API narrow to it (SOAP's are in
# test_contract_soap).
applies_to = uses_api_keys


HEADER = CONTRACT["api_key_header"]
ENV = CONTRACT["env"]


def _tampered(key: str) -> str:
    """The key with its last character changed (the secret's, by the contract)."""
    return key[:-1] + ("a" if key[-1] != "a" else "b")


@only_for(speaks_rest)
def test_a_minted_key_writes_and_owns_what_it_creates(api, target, owner):
    assert owner.key.startswith(naming.snake(target.project_slug) + "_"), (
        f"keys start with the service's prefix so scanners can find them: {owner.key!r}"
    )
    response = api.http.post(api.collection, json={"name": "keyed"}, headers={HEADER: owner.key})
    assert response.status_code == 201, describe(response)
    item = response.json()
    assert item["owner_id"] == owner.id, "owner_id is the id create_api_key printed"
    updated = api.http.put(api.item(item["id"]), json={"name": "renamed"}, headers=owner.auth)
    assert updated.status_code == 200, describe(updated)


@only_for(speaks_rest)
def test_two_keys_are_different_principals(api, owner, stranger):
    assert owner.id != stranger.id
    assert owner.key != stranger.key
    item = api.create(owner, name="owned by a key")
    assert_problem(api.http.delete(api.item(item["id"]), headers=stranger.auth), 403)


@only_for(speaks_rest)
def test_the_header_name_is_case_insensitive(api, owner):
    item = api.create(owner, name="any case")
    response = api.http.put(api.item(item["id"]), json={"name": "fine"}, headers={HEADER.lower(): owner.key})
    assert response.status_code == 200, describe(response)


@only_for(speaks_rest)
@pytest.mark.parametrize(
    "kind", ["missing", "empty", "garbage", "tampered-secret", "other-prefix", "as-bearer"]
)
def test_bad_keys_are_401_with_the_api_key_challenge(api, owner, kind):
    item = api.create(owner, name="guarded")
    headers = {
        "missing": {},
        "empty": {HEADER: ""},
        "garbage": {HEADER: "not-a-key-" + uuid.uuid4().hex},
        "tampered-secret": {HEADER: _tampered(owner.key)},
        "other-prefix": {HEADER: "x" + owner.key},
        "as-bearer": {"Authorization": f"Bearer {owner.key}"},
    }[kind]
    total = api.http.get(api.collection, params={"limit": 1}).json()["total"]
    api.assert_unauthorized(api.http.post(api.collection, json={"name": f"sneaky {kind}"}, headers=headers))
    api.assert_unauthorized(api.http.put(api.item(item["id"]), json={"name": "sneaky"}, headers=headers))
    api.assert_unauthorized(api.http.delete(api.item(item["id"]), headers=headers))
    assert api.http.get(api.collection, params={"limit": 1}).json()["total"] == total, (
        "a rejected POST created"
    )
    assert api.http.get(api.item(item["id"])).json() == item, "a rejected write changed the item"


@only_for(speaks_rest)
def test_a_revoked_key_is_401_at_once_and_other_keys_still_work(api, target, service, owner, stranger):
    item = api.create(owner, name="made before revocation")
    result = target.revoke_api_key(service, owner.id)
    assert result.returncode == 0, f"revoke_api_key exited {result.returncode}:\n{result.stderr[-3000:]}"
    api.assert_unauthorized(api.http.post(api.collection, json={"name": "after"}, headers=owner.auth))
    api.assert_unauthorized(api.http.put(api.item(item["id"]), json={"name": "after"}, headers=owner.auth))
    api.assert_unauthorized(api.http.delete(api.item(item["id"]), headers=owner.auth))
    kept = api.http.get(api.item(item["id"]))
    assert kept.status_code == 200 and kept.json() == item, "revoking a key keeps what it created"
    assert api.create(stranger, name="another key still works")["owner_id"] == stranger.id
    again = target.revoke_api_key(service, owner.id)
    assert again.returncode == 0, "revoking a revoked key is not an error"


def test_revoking_an_unknown_key_fails(target, service):
    result = target.revoke_api_key(service, uuid.uuid4().hex[:16])
    assert result.returncode != 0, "revoke_api_key must exit non-zero for an unknown id"


@only_for(speaks_rest)
def test_keys_are_not_stored_in_clear(api, target, service):
    """Gray-box: neither the key nor its secret (its last 24 characters) is in the database."""
    minted = target.create_api_key(service, f"clear-text canary {uuid.uuid4().hex[:8]}")
    key = minted["key"]
    assert len(key) >= 24 + len(naming.snake(target.project_slug)) + 1, (
        f"a key this short holds no secret: {key!r}"
    )
    response = api.http.post(api.collection, json={"name": "canary"}, headers={HEADER: key})
    assert response.status_code == 201, describe(response)
    stored = target.database_contents(service)
    assert minted["id"] in stored, "the check looked at the wrong database (the key's id is not there)"
    assert key not in stored, "the API key is stored in clear"
    assert key[-24:] not in stored, "the API key's secret is stored in clear"


def test_there_are_no_register_or_token_endpoints(api):
    for path in ("register", "token"):
        response = api.http.post(
            f"{api.prefix}/auth/{path}", json={"email": "a@example.com", "password": "x" * 12}
        )
        assert_problem(response, 404)


@only_for(speaks_rest)
def test_production_needs_no_jwt_secret(target):
    env = target.service_env("production-keys", **{ENV["app_env"]: "production", ENV["jwt_secret"]: None})
    instance = target.start("production-keys", env)
    api = target.api(instance)
    try:
        holder = api.new_principal()
        assert api.create(holder, name="in production")["owner_id"] == holder.id
    finally:
        api.close()
        assert instance.stop() == 0, instance.output_tail()
