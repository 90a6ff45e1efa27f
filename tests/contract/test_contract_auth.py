"""Contract: register/token, HS256 JWTs signed with JWT_SECRET, every kind of bad token is a 401, and
production mode refuses a weak JWT secret."""

from __future__ import annotations

import base64
import json
import time
import uuid

import httpx
import jwt
import pytest

from tests.contract.checks import (
    assert_problem,
    assert_rfc3339,
    assert_unauthorized,
    assert_unprocessable,
    describe,
)
from tests.contract.targets import rest_with_jwt
from tests.helpers.facts import CONTRACT
from tests.helpers.service import port_is_open

pytestmark = pytest.mark.e2e
applies_to = rest_with_jwt

ENV = CONTRACT["env"]


def fresh_email() -> str:
    return f"auth-{uuid.uuid4().hex[:12]}@example.com"


def test_register_returns_the_user_without_the_password(api):
    email, password = fresh_email(), "a-good-password"
    response = api.register(email, password)
    assert response.status_code == 201, describe(response)
    body = response.json()
    assert set(body) >= {"id", "email", "created_at"}, describe(response)
    assert isinstance(body["id"], str) and body["id"], describe(response)
    assert body["email"] == email
    assert_rfc3339(body["created_at"], "created_at")
    assert not [key for key in body if "password" in key.lower() or "hash" in key.lower()], describe(response)
    assert password not in response.text


def test_register_twice_is_409(api):
    email = fresh_email()
    assert api.register(email, "first-password").status_code == 201
    assert_problem(api.register(email, "second-password"), 409)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email", "password": "long-enough"}, "email"),
        ({"password": "long-enough"}, "email"),
        ({"email": "EMAIL", "password": "1234567"}, "password"),
        ({"email": "EMAIL", "password": "p" * 129}, "password"),
        ({"email": "EMAIL"}, "password"),
    ],
    ids=["bad-email", "missing-email", "password-7", "password-129", "missing-password"],
)
def test_register_validation_is_422(api, body, field):
    body = {key: fresh_email() if value == "EMAIL" else value for key, value in body.items()}
    assert_unprocessable(api.http.post(f"{api.prefix}/auth/register", json=body), field)


def test_register_body_not_an_object_is_422(api):
    response = api.http.post(
        f"{api.prefix}/auth/register", content=b"[1, 2]", headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 422)


def test_password_length_bounds_are_accepted(api):
    for password in ("p" * 8, "p" * 128):
        email = fresh_email()
        assert api.register(email, password).status_code == 201
        assert api.token(email, password).status_code == 200


def test_token_is_an_hs256_jwt_for_the_user(api, target):
    email, password = fresh_email(), "token-password"
    user_id = api.register(email, password).json()["id"]
    response = api.token(email, password)
    assert response.status_code == 200, describe(response)
    body = response.json()
    assert body.get("token_type") == "bearer", describe(response)
    assert isinstance(body.get("expires_in"), int) and body["expires_in"] > 0, describe(response)
    assert body["expires_in"] == 900, "JWT_TTL_SECONDS is unset, so tokens live 900 s"
    token = body["access_token"]
    assert jwt.get_unverified_header(token).get("alg") == "HS256"
    claims = jwt.decode(
        token, target.jwt_secret, algorithms=["HS256"], options={"require": ["sub", "iat", "exp"]}
    )
    assert claims["sub"] == user_id, "sub is the user id"
    assert abs((claims["exp"] - claims["iat"]) - body["expires_in"]) <= 2, claims
    assert abs(claims["iat"] - time.time()) < 120, claims


@pytest.mark.parametrize(
    ("email", "password"),
    [("KNOWN", "wrong-password"), ("unknown@example.com", "whatever-password")],
    ids=["wrong-password", "unknown-email"],
)
def test_wrong_credentials_are_401(api, owner, email, password):
    email = owner.email if email == "KNOWN" else email
    assert_problem(api.token(email, password), 401)


def test_a_token_crafted_with_the_secret_is_accepted(api, target, owner):
    now = int(time.time())
    token = jwt.encode({"sub": owner.id, "iat": now, "exp": now + 300}, target.jwt_secret, algorithm="HS256")
    response = api.http.post(
        api.collection, json={"name": "crafted"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 201, describe(response)
    assert response.json()["owner_id"] == owner.id, "sub becomes owner_id"


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def bad_authorization(kind: str, secret: str, user_id: str, good_token: str) -> dict[str, str]:
    now = int(time.time())
    claims = {"sub": user_id, "iat": now, "exp": now + 300}
    if kind == "missing":
        return {}
    if kind == "empty-bearer":
        return {"Authorization": "Bearer"}
    if kind == "not-bearer":
        return {"Authorization": f"Basic {base64.b64encode(b'user:pass').decode()}"}
    if kind == "malformed":
        return {"Authorization": "Bearer not-a-jwt"}
    if kind == "garbage-segments":
        return {"Authorization": "Bearer abc.def.ghi"}
    if kind == "expired":
        token = jwt.encode({"sub": user_id, "iat": now - 3600, "exp": now - 60}, secret, algorithm="HS256")
    elif kind == "wrong-signature":
        token = jwt.encode(claims, "another-secret-of-more-than-32-characters!", algorithm="HS256")
    elif kind == "tampered-payload":
        header, _, signature = good_token.split(".")
        token = f"{header}.{_b64(claims | {'sub': str(uuid.uuid4())})}.{signature}"
    elif kind == "alg-none":
        token = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
    elif kind == "alg-none-signed":
        signature = good_token.split(".")[2]
        token = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.{signature}"
    elif kind == "hs512":
        token = jwt.encode(claims, secret, algorithm="HS512")
    elif kind == "hs384":
        token = jwt.encode(claims, secret, algorithm="HS384")
    else:
        raise AssertionError(kind)
    return {"Authorization": f"Bearer {token}"}


BAD_TOKENS = [
    "missing", "empty-bearer", "not-bearer", "malformed", "garbage-segments", "expired",
    "wrong-signature", "tampered-payload", "alg-none", "alg-none-signed", "hs512", "hs384",
]  # fmt: skip


@pytest.mark.parametrize("kind", BAD_TOKENS)
def test_bad_tokens_are_401_with_bearer_challenge(api, target, owner, kind):
    item = api.create(owner, name="guarded")
    headers = bad_authorization(kind, target.jwt_secret, owner.id, owner.token)
    total = api.http.get(api.collection, params={"limit": 1}).json()["total"]
    assert_unauthorized(api.http.post(api.collection, json={"name": f"sneaky {kind}"}, headers=headers))
    assert_unauthorized(api.http.put(api.item(item["id"]), json={"name": "sneaky"}, headers=headers))
    assert_unauthorized(api.http.delete(api.item(item["id"]), headers=headers))
    assert api.http.get(api.collection, params={"limit": 1}).json()["total"] == total, (
        "a rejected POST created"
    )
    assert api.http.get(api.item(item["id"])).json() == item, "a rejected write changed the item"


def test_passwords_are_not_stored_in_clear(api, target):
    """Gray-box: the database's bytes must not contain a registered password."""
    email, password = fresh_email(), f"clear-text-canary-{uuid.uuid4().hex}"
    assert api.register(email, password).status_code == 201
    stored = target.database_contents(target.main())
    assert email in stored, "the check looked at the wrong database (the registered email is not there)"
    assert password not in stored, "the password is stored in clear"


@pytest.mark.parametrize(
    "secret",
    [None, "", "only-thirty-one-characters-long"],
    ids=["unset-so-development-default", "empty", "31-characters"],
)
def test_production_refuses_a_weak_jwt_secret_before_listening(target, secret):
    assert secret is None or len(secret) < 32
    env = target.service_env("production-weak", **{ENV["app_env"]: "production", ENV["jwt_secret"]: secret})
    instance = target.start("production-weak", env, wait=False)
    deadline = time.monotonic() + 90
    listened = False
    while instance.alive() and time.monotonic() < deadline:
        listened = listened or port_is_open(instance.port, timeout=0.05)
        time.sleep(0.02)
    still_running = instance.alive()
    code = instance.stop(timeout=5)
    assert not listened, (
        f"APP_ENV=production with JWT_SECRET={secret!r}: the service listened\n" + instance.output_tail()
    )
    assert not still_running, (
        f"APP_ENV=production with JWT_SECRET={secret!r}: still running\n" + instance.output_tail()
    )
    assert code not in (0, None), f"exit code {code}: a refusal must not exit 0\n" + instance.output_tail()


def test_production_starts_with_a_strong_secret(target):
    env = target.service_env(
        "production-strong", **{ENV["app_env"]: "production", ENV["jwt_secret"]: "s" * 16 + "t" * 16}
    )
    instance = target.start("production-strong", env)
    assert httpx.get(instance.base_url + CONTRACT["health_path"], timeout=10).status_code == 200
    assert instance.stop() == 0, instance.output_tail()
