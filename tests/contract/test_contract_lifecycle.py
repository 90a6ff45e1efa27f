"""Contract: graceful SIGTERM under load (every auth method, every HTTP API style), and production
mode refusing a weak JWT secret (auth jwt, every API style; the other methods' production rules
are in their own modules)."""

from __future__ import annotations

import json
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import pytest

from tests.contract.checks import Api, assert_common_log_fields
from tests.contract.targets import only_for, speaks_graphql, speaks_grpc, speaks_soap, uses_jwt, wait_until
from tests.helpers.facts import CONTRACT, naming, stacks
from tests.helpers.service import port_is_open

pytestmark = pytest.mark.e2e

GRACE = CONTRACT["shutdown_grace_seconds"]
ENV = CONTRACT["env"]


def read_response(sock: socket.socket, timeout: float) -> tuple[int, dict[str, str], bytes]:
    """One complete HTTP/1.1 response (Content-Length or chunked), or an AssertionError."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed before a complete response head: {data[:300]!r}"
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {
        k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:] if ":" in line)
    }
    if "content-length" in headers:
        length = int(headers["content-length"])
        while len(rest) < length:
            chunk = sock.recv(65536)
            assert chunk, f"connection closed with {len(rest)}/{length} body bytes"
            rest += chunk
        return status, headers, rest[:length]
    if headers.get("transfer-encoding", "").lower() == "chunked":
        while not rest.endswith(b"0\r\n\r\n"):
            chunk = sock.recv(65536)
            assert chunk, "connection closed inside a chunked body"
            rest += chunk
        return status, headers, rest
    return status, headers, rest


@dataclass(frozen=True)
class ResourceCalls:
    """The target's API style, as far as this test needs it: a write and a public read."""

    path: str  # where writes are POSTed
    content_type: str
    create_body: Callable[[str], bytes]  # the body that creates an item of that name
    created: Callable[[int, bytes], bool]  # whether a status and body are a successful create
    read: Callable[[httpx.Client], httpx.Response]  # a public read of a page of items


def resource_calls(target, api: Api) -> ResourceCalls:
    if speaks_soap(target.spec):
        soap = stacks.soap_contract(target.resource, target.plural)

        def envelope(operation: str, fields: str) -> bytes:
            return (
                f'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:t="{soap["namespace"]}">'
                f"<s:Body><t:{operation}>{fields}</t:{operation}></s:Body></s:Envelope>"
            ).encode()

        create, page = soap["operations"]["create"], soap["operations"]["list"]
        return ResourceCalls(
            path=soap["path"],
            content_type="text/xml; charset=utf-8",
            create_body=lambda name: envelope(create, f"<t:name>{name}</t:name>"),
            created=lambda status, _body: status == 200,  # a fault is a 500
            read=lambda client: client.post(
                soap["path"],
                content=envelope(page, "<t:limit>5</t:limit>"),
                headers={"Content-Type": "text/xml"},
            ),
        )
    if speaks_graphql(target.spec):
        create = f"create{naming.pascal(target.resource)}"
        mutation = f"mutation($name: String!) {{ {create}(input: {{name: $name}}) {{ id }} }}"
        return ResourceCalls(
            path=CONTRACT["graphql_path"],
            content_type="application/json",
            create_body=lambda name: json.dumps({"query": mutation, "variables": {"name": name}}).encode(),
            # A refused mutation answers 200 too, with errors.
            created=lambda status, body: status == 200 and not json.loads(body).get("errors"),
            read=lambda client: client.post(
                CONTRACT["graphql_path"], json={"query": f"{{ {target.plural}(limit: 5) {{ total }} }}"}
            ),
        )
    return ResourceCalls(
        path=api.collection,
        content_type="application/json",
        create_body=lambda name: json.dumps({"name": name, "description": "sent across a SIGTERM"}).encode(),
        created=lambda status, _body: status == 201,
        read=lambda client: client.get(api.collection, params={"limit": 5}),
    )


class InFlight:
    """A request the server has started on (headers and half the body sent) before SIGTERM."""

    def __init__(self, port: int, calls: ResourceCalls, auth: dict[str, str], name: str) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        # A first, complete request proves the server has accepted this connection.
        self.sock.sendall(f"GET {CONTRACT['health_path']} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        status, _, _ = read_response(self.sock, 10)
        assert status == 200
        self.body = calls.create_body(name)
        credentials = "".join(f"{header}: {value}\r\n" for header, value in auth.items())
        head = (
            f"POST {calls.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{credentials}"
            f"Content-Type: {calls.content_type}\r\nContent-Length: {len(self.body)}\r\n\r\n"
        )
        self.sock.sendall(head.encode() + self.body[:10])

    def finish(self) -> tuple[int, bytes]:
        self.sock.sendall(self.body[10:])
        status, _, body = read_response(self.sock, GRACE)
        self.sock.close()
        return status, body


@only_for(lambda spec: not speaks_grpc(spec))  # gRPC's shutdown is checked by test_contract_grpc
def test_sigterm_finishes_in_flight_requests_and_exits_0(target):
    instance = target.start("sigterm")
    api = target.api(instance)
    calls = resource_calls(target, api)
    user = api.new_principal()
    in_flight = [InFlight(instance.port, calls, user.auth, f"in flight {i}") for i in range(4)]
    time.sleep(0.3)

    # Concurrent load on fresh connections until the server stops accepting.
    stop_load = threading.Event()
    statuses: list[int] = []
    refused: list[str] = []

    def load() -> None:
        while not stop_load.is_set():
            try:
                with httpx.Client(base_url=instance.base_url, timeout=GRACE + 5) as client:
                    statuses.append(calls.read(client).status_code)
            except httpx.HTTPError as error:
                refused.append(type(error).__name__)
                time.sleep(0.05)

    workers = [threading.Thread(target=load, daemon=True) for _ in range(6)]
    for worker in workers:
        worker.start()
    time.sleep(1.0)
    served_before = len(statuses)
    signalled = time.monotonic()
    instance.signal(signal.SIGTERM)
    try:
        # It stops accepting connections while the in-flight requests are still open.
        assert wait_until(lambda: not port_is_open(instance.port), timeout=5, interval=0.05), (
            "still accepting connections 5 s after SIGTERM"
        )
        assert instance.alive(), (
            f"the process exited (code {instance.proc.returncode}) with requests still in flight\n"
            + instance.output_tail()
        )
        for request in in_flight:
            status, body = request.finish()
            assert calls.created(status, body), f"an in-flight POST got {status} {body[:300]!r} after SIGTERM"
        code = instance.wait_exit(max(0.1, GRACE - (time.monotonic() - signalled)))
        elapsed = time.monotonic() - signalled
    finally:
        stop_load.set()
        for worker in workers:
            worker.join(timeout=GRACE + 10)
        api.close()
    assert code is not None, f"still running {GRACE} s after SIGTERM\n" + instance.output_tail()
    assert code == 0, f"exit code {code} after SIGTERM (expected 0)\n" + instance.output_tail()
    assert elapsed <= GRACE
    assert served_before > 0, f"the load generator got no answer before SIGTERM: {refused[:5]}"
    assert all(status < 500 for status in statuses), f"5xx answers during shutdown: {sorted(set(statuses))}"
    # Startup and shutdown are logged under the request lines' field names, so one collector
    # config and one set of queries read them all.
    records = instance.log_records()
    assert_common_log_fields(records)
    request_id = CONTRACT["log"]["request_fields"][0]
    assert any(request_id not in record for record in records), "startup and shutdown are logged too"


@only_for(uses_jwt)
@pytest.mark.parametrize(
    "secret",
    [None, "", "only-thirty-one-characters-long"],
    ids=["unset-so-development-default", "empty", "31-characters"],
)
def test_production_refuses_a_weak_jwt_secret_before_listening(target, secret):
    assert secret is None or len(secret) < 32
    env = target.service_env("production-weak", **{ENV["app_env"]: "production", ENV["jwt_secret"]: secret})
    refusal = target.start_expecting_refusal("production-weak", env)
    refusal.assert_refused(f"APP_ENV=production with JWT_SECRET={secret!r}")
    # The refusal is logged as the other lines are, at the contract's most severe level.
    assert_common_log_fields(refusal.records)
    assert any(record["level"] == CONTRACT["log"]["levels"][-1] for record in refusal.records), (
        f"no {CONTRACT['log']['levels'][-1]} line for the refusal:\n{refusal.output}"
    )


@only_for(uses_jwt)
def test_production_starts_with_a_strong_secret(target):
    env = target.service_env(
        "production-strong", **{ENV["app_env"]: "production", ENV["jwt_secret"]: "s" * 16 + "t" * 16}
    )
    instance = target.start("production-strong", env)
    assert httpx.get(instance.base_url + CONTRACT["health_path"], timeout=10).status_code == 200
    assert instance.stop() == 0, instance.output_tail()
