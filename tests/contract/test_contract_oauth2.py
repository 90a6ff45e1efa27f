"""Contract: auth=oauth2. The service is a resource server for a real OpenID provider.

The suite starts panva/oidc-provider (tests/helpers/oidc.py) and the service with OIDC_ISSUER
and OIDC_AUDIENCE pointing at it. Tokens come from the provider's token endpoint with the
client-credentials grant; tokens with claims the provider would never issue are signed by
the suite with the provider's own key (it generated the key), so only the claim is wrong.
"""

from __future__ import annotations

import base64
import json
import time
import uuid

import httpx
import jwt
import pytest

from tests.contract.checks import assert_problem, assert_unauthorized, describe
from tests.contract.targets import rest_with_oauth2, wait_until
from tests.helpers.facts import CONTRACT
from tests.helpers.oidc import OTHER_AUDIENCE, SigningKey
from tests.helpers.service import free_port

pytestmark = pytest.mark.e2e
applies_to = rest_with_oauth2


ENV = CONTRACT["env"]
INVALID_TOKEN = 'error="invalid_token"'


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def assert_invalid_token(response: httpx.Response) -> None:
    assert_unauthorized(response)
    challenge = response.headers.get("www-authenticate", "")
    assert INVALID_TOKEN in challenge, (
        f"expected WWW-Authenticate: Bearer {INVALID_TOKEN}: {describe(response)}"
    )


def test_a_client_credentials_token_with_the_write_scope_may_write(api, target):
    provider = target.oidc()
    token = provider.token("writer")
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    assert target.write_scope in jwt.decode(token, options={"verify_signature": False})["scope"].split()
    created = api.http.post(api.collection, json={"name": "from a client"}, headers=bearer(token))
    assert created.status_code == 201, describe(created)
    assert created.json()["owner_id"] == provider.subject("writer"), "the token's sub becomes owner_id"
    item = api.item(created.json()["id"])
    assert api.http.put(item, json={"name": "renamed"}, headers=bearer(token)).status_code == 200
    assert api.http.delete(item, headers=bearer(token)).status_code == 204


def test_reads_are_public(api, target, owner):
    item = api.create(owner, name="public")
    assert api.http.get(api.collection).status_code == 200
    assert api.http.get(api.item(item["id"])).json() == item


def test_a_token_without_the_write_scope_is_403_insufficient_scope(api, target, owner):
    item = api.create(owner, name="guarded")
    token = target.oidc().token("reader")
    total = api.http.get(api.collection, params={"limit": 1}).json()["total"]
    for response in (
        api.http.post(api.collection, json={"name": "no scope"}, headers=bearer(token)),
        api.http.put(api.item(item["id"]), json={"name": "no scope"}, headers=bearer(token)),
        api.http.delete(api.item(item["id"]), headers=bearer(token)),
    ):
        assert_problem(response, 403)
        challenge = response.headers.get("www-authenticate", "")
        assert challenge.lower().startswith("bearer") and 'error="insufficient_scope"' in challenge, (
            f'a 403 for a missing scope carries Bearer error="insufficient_scope": {describe(response)}'
        )
        assert f'scope="{target.write_scope}"' in challenge, describe(response)
    assert api.http.get(api.collection, params={"limit": 1}).json()["total"] == total
    assert api.http.get(api.item(item["id"])).json() == item


def test_a_token_for_another_audience_is_401(api, target):
    token = target.oidc().token("writer", resource=OTHER_AUDIENCE)
    assert jwt.decode(token, options={"verify_signature": False})["aud"] == OTHER_AUDIENCE
    assert_invalid_token(api.http.post(api.collection, json={"name": "x"}, headers=bearer(token)))


def test_a_missing_token_is_401_bearer(api):
    response = api.http.post(api.collection, json={"name": "anonymous"})
    assert_unauthorized(response)


def bad_token(kind: str, target) -> str:
    """A token the service must refuse; all but the forged ones use the provider's own key."""
    provider = target.oidc()
    now = int(time.time())
    claims = provider.claims(subject=f"client-{uuid.uuid4().hex[:8]}")
    if kind == "expired":
        return provider.sign({**claims, "iat": now - 3600, "exp": now - 600})
    if kind == "not-yet-valid":
        return provider.sign({**claims, "nbf": now + 3600})
    if kind == "no-exp":
        return provider.sign({k: v for k, v in claims.items() if k != "exp"})
    if kind == "no-sub":
        return provider.sign({k: v for k, v in claims.items() if k != "sub"})
    if kind == "wrong-issuer":
        return provider.sign({**claims, "iss": "https://issuer.invalid"})
    if kind == "wrong-audience":
        return provider.sign({**claims, "aud": "https://elsewhere.invalid/api"})
    if kind == "foreign-key":
        return provider.sign(claims, key=SigningKey.generate())
    if kind == "foreign-key-known-kid":
        foreign = SigningKey.generate()
        return provider.sign(claims, key=SigningKey(provider.keys[0].kid, foreign.private_key))
    if kind == "alg-none":
        return f"{_b64({'alg': 'none', 'typ': 'at+jwt'})}.{_b64(claims)}."
    if kind == "hs256":
        return jwt.encode(claims, "a-secret-the-service-never-heard-of-0123", algorithm="HS256")
    if kind == "tampered":
        header, _, signature = provider.token("reader").split(".")
        return f"{header}.{_b64(claims)}.{signature}"
    if kind == "malformed":
        return "not-a-jwt"
    raise AssertionError(kind)


BAD_TOKENS = [
    "expired", "not-yet-valid", "no-exp", "no-sub", "wrong-issuer", "wrong-audience",
    "foreign-key", "foreign-key-known-kid", "alg-none", "hs256", "tampered", "malformed",
]  # fmt: skip


@pytest.mark.parametrize("kind", BAD_TOKENS)
def test_bad_tokens_are_401_invalid_token(api, target, owner, kind):
    item = api.create(owner, name="guarded")
    headers = bearer(bad_token(kind, target))
    total = api.http.get(api.collection, params={"limit": 1}).json()["total"]
    assert_invalid_token(api.http.post(api.collection, json={"name": f"sneaky {kind}"}, headers=headers))
    assert_invalid_token(api.http.put(api.item(item["id"]), json={"name": "sneaky"}, headers=headers))
    assert_invalid_token(api.http.delete(api.item(item["id"]), headers=headers))
    assert api.http.get(api.collection, params={"limit": 1}).json()["total"] == total
    assert api.http.get(api.item(item["id"])).json() == item


def test_a_token_signed_with_the_providers_key_and_right_claims_is_accepted(api, target):
    """The counterpart of the bad-token cases: only the claim they change makes them fail."""
    provider = target.oidc()
    token = provider.sign(provider.claims(subject="signed-by-the-suite"))
    response = api.http.post(api.collection, json={"name": "control"}, headers=bearer(token))
    assert response.status_code == 201, describe(response)
    assert response.json()["owner_id"] == "signed-by-the-suite"


def test_an_unreachable_issuer_makes_writes_503_and_leaves_reads_alone(target):
    """Keys that were never fetched cannot verify anything: that is the issuer's outage, not a bad token."""
    provider = target.oidc()
    # A closed port on loopback stands for the issuer; the token itself is one the provider issued.
    env = target.service_env("oauth2-unreachable", **{ENV["oidc_issuer"]: f"http://127.0.0.1:{free_port()}"})
    instance = target.start("oauth2-unreachable", env)
    try:
        collection = f"{instance.base_url}{CONTRACT['api_prefix']}/{target.plural}"
        assert httpx.get(collection, timeout=10).status_code == 200
        response = httpx.post(
            collection, json={"name": "x"}, headers=bearer(provider.token("writer")), timeout=30
        )
        assert_problem(response, 503)
    finally:
        instance.stop()


def test_without_issuer_and_audience_outside_production_writes_are_503(target):
    env = target.service_env("oauth2-unconfigured", **{ENV["oidc_issuer"]: None, ENV["oidc_audience"]: None})
    instance = target.start("oauth2-unconfigured", env)
    try:
        collection = f"{instance.base_url}{CONTRACT['api_prefix']}/{target.plural}"
        assert httpx.get(collection, timeout=10).status_code == 200, "reads stay public"
        response = httpx.post(
            collection, json={"name": "x"}, headers=bearer(target.oidc().token("writer")), timeout=10
        )
        assert_problem(response, 503)
    finally:
        instance.stop()


# Within this many seconds of a new key appearing in the JWKS, tokens signed with it are
# accepted (the contract lets a service refetch its key set at most every 10 seconds).
ROTATION_SECONDS = 15


def test_a_rotated_signing_key_is_picked_up_without_a_restart(target):
    instance = target.start("oauth2-rotation")
    api_client = httpx.Client(base_url=instance.base_url, timeout=15)
    provider = target.oidc()
    try:
        before = provider.token("writer")
        response = api_client.post(
            f"{CONTRACT['api_prefix']}/{target.plural}", json={"name": "before"}, headers=bearer(before)
        )
        assert response.status_code == 201, describe(response)

        old_kid = provider.keys[0].kid
        provider.rotate(keep_previous=True)
        after = provider.token("writer")
        assert jwt.get_unverified_header(after)["kid"] != old_kid, "the provider signs with the new key"

        def accepted() -> bool:
            reply = api_client.post(
                f"{CONTRACT['api_prefix']}/{target.plural}", json={"name": "after"}, headers=bearer(after)
            )
            assert reply.status_code in (201, 401), describe(reply)
            return reply.status_code == 201

        assert wait_until(accepted, timeout=ROTATION_SECONDS, interval=1.0), (
            f"a token signed with the rotated key was still refused after {ROTATION_SECONDS}s"
        )
        # A token of the previous key, still published, keeps working.
        again = api_client.post(
            f"{CONTRACT['api_prefix']}/{target.plural}", json={"name": "old key"}, headers=bearer(before)
        )
        assert again.status_code == 201, describe(again)
        assert instance.alive(), "the service was not restarted"
    finally:
        api_client.close()
        instance.stop()


@pytest.mark.parametrize(
    ("issuer", "audience"),
    [
        (None, "https://api.example.com"),
        ("https://issuer.example.com/", None),
        ("http://issuer.example.com/", "https://api.example.com"),
    ],
    ids=["no-issuer", "no-audience", "http-issuer"],
)
def test_production_refuses_to_start_without_a_usable_issuer_and_audience(target, issuer, audience):
    env = target.service_env(
        "production-oidc",
        **{ENV["app_env"]: "production", ENV["oidc_issuer"]: issuer, ENV["oidc_audience"]: audience},
    )
    refusal = target.start_expecting_refusal("production-oidc", env)
    refusal.assert_refused(f"APP_ENV=production, OIDC_ISSUER={issuer!r}, OIDC_AUDIENCE={audience!r}")


def test_production_starts_with_an_https_issuer_and_an_audience(target):
    env = target.service_env(
        "production-oidc-ok",
        **{
            ENV["app_env"]: "production",
            ENV["oidc_issuer"]: "https://issuer.example.com/",
            ENV["oidc_audience"]: "https://api.example.com",
        },
    )
    instance = target.start("production-oidc-ok", env)
    assert httpx.get(instance.base_url + CONTRACT["health_path"], timeout=10).status_code == 200
    assert instance.stop() == 0, instance.output_tail()
