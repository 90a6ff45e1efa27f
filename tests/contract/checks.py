"""Assertions and a small client shared by the contract tests (nothing language-specific)."""

from __future__ import annotations

import dataclasses
import http
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.helpers.facts import AUTHS, CONTRACT

PROBLEM_TYPE = "application/problem+json"
# Reason phrases: RFC 9110's, plus the older names some frameworks still use.
REASON_ALIASES = {
    413: {"Content Too Large", "Payload Too Large", "Request Entity Too Large"},
    422: {"Unprocessable Content", "Unprocessable Entity"},
}
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", re.IGNORECASE)
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")


def describe(response: httpx.Response) -> str:
    request = response.request
    return (
        f"{request.method} {request.url.raw_path.decode()} -> {response.status_code} "
        f"{response.headers.get('content-type')!s} {response.text[:500]!r}"
    )


def reason_phrases(status: int) -> set[str]:
    return REASON_ALIASES.get(status, {http.HTTPStatus(status).phrase})


def assert_rfc3339(value, what: str) -> datetime:
    assert isinstance(value, str) and RFC3339.match(value), (
        f"{what} must be RFC 3339 with a UTC offset, got {value!r}"
    )
    parsed = datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00"))
    assert parsed.utcoffset() is not None, f"{what} has no UTC offset: {value!r}"
    return parsed


def assert_common_log_fields(records: list[dict]) -> None:
    """Every log line carries the contract's fields on every line (docs/contract.md, "Logs"):
    `ts` in RFC 3339, a `level` of the contract's, a string `msg`."""
    assert records, "no JSON log lines at all"
    fields, levels = CONTRACT["log"]["fields"], CONTRACT["log"]["levels"]
    for record in records:
        assert set(record) >= set(fields), f"log line lacks {set(fields) - set(record)}: {record}"
        assert_rfc3339(record["ts"], f"ts of {record}")
        assert record["level"] in levels, f"level {record['level']!r} is none of {levels}: {record}"
        assert isinstance(record["msg"], str) and record["msg"], f"msg must be a non-empty string: {record}"


def assert_problem(response: httpx.Response, status: int) -> dict:
    """`response` is an RFC 9457 problem document with `status`, shaped as the contract says."""
    assert response.status_code == status, f"expected {status}: {describe(response)}"
    content_type = response.headers.get("content-type", "")
    assert content_type.split(";")[0].strip().lower() == PROBLEM_TYPE, (
        f"expected Content-Type {PROBLEM_TYPE}: {describe(response)}"
    )
    body = response.json()
    assert isinstance(body, dict), f"a problem document is a JSON object: {describe(response)}"
    assert body.get("type") == "about:blank", f"problem type must be about:blank: {describe(response)}"
    assert body.get("title") in reason_phrases(status), (
        f"problem title must be the reason phrase {sorted(reason_phrases(status))}: {describe(response)}"
    )
    assert body.get("status") == status and isinstance(body.get("status"), int), (
        f"problem status must be the number {status}: {describe(response)}"
    )
    assert isinstance(body.get("detail"), str) and body["detail"].strip(), (
        f"problem detail must be a non-empty sentence: {describe(response)}"
    )
    if status == 422:
        errors = body.get("errors")
        assert isinstance(errors, list) and errors, (
            f"a 422 carries a non-empty errors list: {describe(response)}"
        )
        for error in errors:
            assert isinstance(error, dict), f"each error is an object: {describe(response)}"
            assert isinstance(error.get("field"), str) and error["field"], (
                f"error without field: {describe(response)}"
            )
            assert isinstance(error.get("message"), str) and error["message"], (
                f"error without message: {describe(response)}"
            )
    return body


def assert_unprocessable(response: httpx.Response, *fields: str) -> dict:
    """A 422 problem whose errors name each of `fields`."""
    body = assert_problem(response, 422)
    named = {error["field"] for error in body["errors"]}
    for field in fields:
        assert field in named, (
            f"errors[].field should name {field!r}, named {sorted(named)}: {describe(response)}"
        )
    return body


def assert_unauthorized(response: httpx.Response, scheme: str = "Bearer") -> dict:
    """A 401 problem whose WWW-Authenticate names `scheme` (the auth method's challenge)."""
    body = assert_problem(response, 401)
    challenge = response.headers.get("www-authenticate", "")
    assert challenge.split(" ")[0].split(",")[0].lower() == scheme.lower(), (
        f"a 401 carries WWW-Authenticate: {scheme}, got {challenge!r}: {describe(response)}"
    )
    return body


@dataclass
class Principal:
    """Whoever makes a write: `id` is what the service puts in `owner_id` (None when the suite
    cannot know it in advance), `auth` the headers that authenticate the requests."""

    id: str | None
    headers: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def auth(self) -> dict[str, str]:
        return dict(self.headers)


@dataclass
class User(Principal):
    """auth: jwt, a registered user with a bearer token."""

    email: str = ""
    password: str = ""
    token: str = ""


@dataclass
class KeyHolder(Principal):
    """auth: api_key, a key minted with the service's own command."""

    key: str = ""
    name: str = ""


@dataclass
class ProviderClient(Principal):
    """auth: oauth2, a client of the OpenID provider with a write-scoped access token."""

    token: str = ""


# Mints an API key named `name` with the service's command: {"id", "name", "key"}.
KeyMinter = Callable[[str], dict]
# Issues a write-scoped access token to a client of the OpenID provider: (its `sub`, the token).
TokenIssuer = Callable[[], tuple[str, str]]


class Api:
    """The contract's API, spoken over HTTP with nothing but a base URL and the resource plural."""

    def __init__(
        self,
        base_url: str,
        plural: str,
        auth: str = "jwt",
        mint_key: KeyMinter | None = None,
        issue_token: TokenIssuer | None = None,
    ) -> None:
        self.base_url = base_url
        self.plural = plural
        self.auth_method = auth
        # The WWW-Authenticate scheme of this service's 401s (None: it has no 401s).
        self.challenge: str | None = AUTHS[auth]["challenge"]
        self._mint_key = mint_key
        self._issue_token = issue_token
        self.prefix = CONTRACT["api_prefix"]
        self.collection = f"{self.prefix}/{plural}"
        self.http = httpx.Client(base_url=base_url, timeout=15)

    def close(self) -> None:
        self.http.close()

    def item(self, item_id: str) -> str:
        return f"{self.collection}/{item_id}"

    def register(self, email: str, password: str) -> httpx.Response:
        return self.http.post(f"{self.prefix}/auth/register", json={"email": email, "password": password})

    def token(self, email: str, password: str) -> httpx.Response:
        return self.http.post(f"{self.prefix}/auth/token", json={"email": email, "password": password})

    def new_principal(self) -> Principal:
        """A fresh principal of the service's auth method: with jwt a registered, logged-in user;
        with api_key a newly minted key; with oauth2 a client of the OpenID provider (the next of
        its write-scoped clients, so principals made one after another differ); with none the
        anonymous caller, with no credentials."""
        if self.auth_method == "jwt":
            return self.new_user()
        if self.auth_method == "api_key":
            assert self._mint_key is not None, "api_key targets need a way to mint keys"
            minted = self._mint_key(f"contract {uuid.uuid4().hex[:8]}")
            header = CONTRACT["api_key_header"]
            return KeyHolder(minted["id"], {header: minted["key"]}, key=minted["key"], name=minted["name"])
        if self.auth_method == "oauth2":
            assert self._issue_token is not None, "oauth2 targets need an OpenID provider's tokens"
            subject, token = self._issue_token()
            return ProviderClient(subject, {"Authorization": f"Bearer {token}"}, token=token)
        if self.auth_method == "none":
            return Principal(CONTRACT["anonymous_principal"], {})
        raise AssertionError(f"the contract suite does not know auth method {self.auth_method!r} yet")

    def assert_unauthorized(self, response: httpx.Response) -> dict:
        assert self.challenge is not None, f"auth {self.auth_method!r} has no 401s"
        return assert_unauthorized(response, self.challenge)

    def new_user(self) -> User:
        """auth: jwt. Register a user and log in."""
        email = f"learner-{uuid.uuid4().hex[:12]}@example.com"
        password = "correct-horse-" + uuid.uuid4().hex[:8]
        registered = self.register(email, password)
        assert registered.status_code == 201, describe(registered)
        issued = self.token(email, password)
        assert issued.status_code == 200, describe(issued)
        token = issued.json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        return User(registered.json()["id"], headers, email=email, password=password, token=token)

    def create(self, user: Principal, **body) -> dict:
        response = self.http.post(self.collection, json=body, headers=user.auth)
        assert response.status_code == 201, describe(response)
        return response.json()


def metrics(base_url: str) -> dict[str, list]:
    """Families by name (`cache_hits` for `cache_hits_total`, as the parser names counters) from /metrics."""
    response = httpx.get(base_url + CONTRACT["metrics_path"], timeout=10)
    assert response.status_code == 200, describe(response)
    return {family.name: family for family in text_string_to_metric_families(response.text)}


def metric_value(families: dict, sample_name: str, **labels: str) -> float:
    """The sum of the samples called `sample_name` whose labels include `labels` (0 when none)."""
    return sum(
        sample.value
        for family in families.values()
        for sample in family.samples
        if sample.name == sample_name and all(sample.labels.get(k) == v for k, v in labels.items())
    )


class GraphQL:
    """GraphQL over HTTP (POST application/json, as any client library sends it) at the contract's path."""

    def __init__(self, http: httpx.Client, path: str = CONTRACT["graphql_path"]) -> None:
        self.http = http
        self.path = path

    def post(
        self, query: str, variables: dict | None = None, user: Principal | None = None
    ) -> httpx.Response:
        body: dict = {"query": query}
        if variables is not None:
            body["variables"] = variables
        return self.http.post(self.path, json=body, headers=user.auth if user else {})

    def answer(self, response: httpx.Response, status: int = 200) -> dict:
        """The GraphQL response in `response`: a JSON object with `data` and/or `errors`."""
        assert response.status_code == status, f"expected {status}: {describe(response)}"
        content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        assert content_type in ("application/json", "application/graphql-response+json"), (
            f"a GraphQL response is JSON: {describe(response)}"
        )
        body = response.json()
        assert isinstance(body, dict) and ("data" in body or "errors" in body), (
            f"a GraphQL response has data or errors: {describe(response)}"
        )
        for error in body.get("errors") or []:
            assert isinstance(error.get("message"), str) and error["message"].strip(), (
                f"each error has a message: {describe(response)}"
            )
            assert isinstance(error.get("extensions"), dict) and isinstance(
                error["extensions"].get("code"), str
            ), f"each error has extensions.code: {describe(response)}"
        return body

    def data(self, query: str, variables: dict | None = None, user: Principal | None = None) -> dict:
        """Runs a document that must succeed: 200, no errors; returns `data`."""
        response = self.post(query, variables, user)
        body = self.answer(response)
        assert not body.get("errors"), f"unexpected GraphQL errors: {describe(response)}"
        assert isinstance(body.get("data"), dict), describe(response)
        return body["data"]

    def field_error(
        self, query: str, variables: dict | None, user: Principal | None, field: str, code: str
    ) -> dict:
        """Runs a document whose root `field` must fail with `code`: 200, `data.field` null; returns the error."""
        response = self.post(query, variables, user)
        body = self.answer(response)
        assert isinstance(body.get("data"), dict) and field in body["data"] and body["data"][field] is None, (
            f"a failed root field is null in data: {describe(response)}"
        )
        codes = [error["extensions"]["code"] for error in body.get("errors") or []]
        assert codes == [code], f"expected one {code} error, got {codes}: {describe(response)}"
        return body["errors"][0]

    def request_error(
        self, query: str, variables: dict | None, code: str, user: Principal | None = None
    ) -> dict:
        """Sends a document that must not run: 400, no data, every error coded `code`."""
        response = self.post(query, variables, user)
        body = self.answer(response, 400)
        assert body.get("data") is None, f"a request error carries no data: {describe(response)}"
        codes = {error["extensions"]["code"] for error in body.get("errors") or []}
        assert codes == {code}, f"expected {code} errors only, got {sorted(codes)}: {describe(response)}"
        return body
