"""Contract: one JSON log line per request on stdout, and X-Request-ID kept or generated."""

from __future__ import annotations

import uuid

import pytest

from tests.contract.checks import REQUEST_ID, assert_rfc3339, describe
from tests.contract.targets import log_record, only_for, serves_resources_over_http, speaks_rest
from tests.helpers.facts import CONTRACT

pytestmark = pytest.mark.e2e
# SOAP requests are HTTP ones too (test_contract_soap checks their route); gRPC has its own RPC metrics and logs.
applies_to = serves_resources_over_http

HEADER = CONTRACT["request_id_header"]
LOG_FIELDS = {*CONTRACT["log"]["fields"], *CONTRACT["log"]["request_fields"]}


def assert_number(value, what: str) -> None:
    assert isinstance(value, int | float) and not isinstance(value, bool), (
        f"{what} must be a number: {value!r}"
    )


@only_for(speaks_rest)
def test_request_line_has_every_field(api, service, owner):
    item = api.create(owner, name="logged")
    request_id = f"contract.{uuid.uuid4().hex}"
    response = api.http.get(api.item(item["id"]), headers={HEADER: request_id})
    assert response.status_code == 200, describe(response)
    assert response.headers.get(HEADER) == request_id, "a valid incoming X-Request-ID is returned as is"
    record = log_record(service, request_id)
    assert set(record) >= LOG_FIELDS, f"log line lacks {LOG_FIELDS - set(record)}: {record}"
    assert_rfc3339(record["ts"], "ts")
    assert isinstance(record["level"], str) and record["level"], record
    assert isinstance(record["msg"], str), record
    assert record["method"] == "GET", record
    assert record["route"] == f"{api.collection}/{{id}}", (
        f"route is the template, as in the metrics: {record}"
    )
    assert record["status"] == 200 and not isinstance(record["status"], bool), record
    assert_number(record["duration_ms"], "duration_ms")
    assert record["duration_ms"] >= 0


def test_unmatched_and_error_requests_are_logged(api, service):
    request_id = f"unmatched-{uuid.uuid4().hex}"
    response = api.http.get(f"/nowhere-{uuid.uuid4().hex}", headers={HEADER: request_id})
    assert response.status_code == 404
    assert response.headers.get(HEADER) == request_id
    record = log_record(service, request_id)
    assert (record["route"], record["status"], record["method"]) == (
        CONTRACT["unmatched_route"],
        404,
        "GET",
    ), record


def test_a_request_id_is_generated_when_missing(api, service):
    ids = set()
    for _ in range(2):
        response = api.http.get(CONTRACT["health_path"])
        generated = response.headers.get(HEADER)
        assert generated and REQUEST_ID.match(generated), f"no valid generated X-Request-ID: {generated!r}"
        ids.add(generated)
        log_record(service, generated)
    assert len(ids) == 2, "each request gets its own generated id"


@pytest.mark.parametrize(
    "incoming",
    ["has space", "slash/inside", "x" * 129, "semi;colon", 'quote"d', ""],
    ids=["space", "slash", "129-chars", "semicolon", "quote", "empty"],
)
def test_an_invalid_request_id_is_replaced(api, service, incoming):
    response = api.http.get(CONTRACT["health_path"], headers={HEADER: incoming})
    assert response.status_code == 200
    returned = response.headers.get(HEADER)
    assert returned and returned != incoming and REQUEST_ID.match(returned), (
        f"X-Request-ID {incoming!r} must be replaced by a generated one, got {returned!r}"
    )
    log_record(service, returned)


def test_longest_valid_request_id_is_kept(api):
    incoming = "Aa0._-" * 21 + "xy"  # 128 characters from the allowed set
    assert len(incoming) == 128
    assert api.http.get(CONTRACT["health_path"], headers={HEADER: incoming}).headers.get(HEADER) == incoming


def test_stdout_holds_only_json_objects(api, service):
    api.http.get(CONTRACT["health_path"])
    bad = service.non_json_stdout_lines()
    assert not bad, f"{len(bad)} stdout line(s) are not JSON objects, e.g. {bad[:5]}"
