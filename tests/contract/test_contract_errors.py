"""Contract: every 4xx is an RFC 9457 problem document (one case per status the contract names)."""

from __future__ import annotations

import uuid

import pytest

from tests.contract.checks import assert_problem, assert_unprocessable
from tests.contract.targets import has_principals, only_for, speaks_rest, uses_jwt

pytestmark = pytest.mark.e2e
applies_to = speaks_rest


@only_for(has_principals)
def test_401_missing_credentials(api):
    api.assert_unauthorized(api.http.post(api.collection, json={"name": "x"}))


@only_for(has_principals)
def test_403_not_the_owner(api, owner, stranger):
    item = api.create(owner, name="owned")
    assert_problem(api.http.delete(api.item(item["id"]), headers=stranger.auth), 403)


@pytest.mark.parametrize(
    "path",
    ["/no-such-route", "/api/v1/no-such-collection", "/api/v2/anything", "/api/v1/auth/nothing-here"],
)
def test_404_unknown_route(api, path):
    assert_problem(api.http.get(f"{path}-{uuid.uuid4().hex[:6]}"), 404)


def test_404_unknown_item(api):
    assert_problem(api.http.get(api.item(str(uuid.uuid4()))), 404)


@pytest.mark.parametrize(
    ("method", "where"),
    [
        ("DELETE", "collection"),
        ("PUT", "collection"),
        ("PATCH", "item"),
        ("POST", "item"),
    ],
)
def test_405_wrong_method(api, owner, method, where):
    item = api.create(owner, name="method target")
    path = {"collection": api.collection, "item": api.item(item["id"])}[where]
    assert_problem(api.http.request(method, path, json={"name": "x"}, headers=owner.auth), 405)


@only_for(uses_jwt)
def test_405_wrong_method_on_register(api):
    assert_problem(api.http.get(f"{api.prefix}/auth/register"), 405)


@only_for(uses_jwt)
def test_409_email_taken(api, owner):
    assert_problem(api.register(owner.email, "another-password"), 409)


def test_422_has_errors_with_field_and_message(api, owner):
    body = assert_unprocessable(api.http.post(api.collection, json={"name": ""}, headers=owner.auth), "name")
    assert all(isinstance(error["message"], str) for error in body["errors"])
