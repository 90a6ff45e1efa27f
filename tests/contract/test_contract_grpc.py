"""Contract: api_style=grpc. The project's .proto is part of the contract: the suite compiles it
with grpcio-tools (into a descriptor set of its own) and speaks to the service on GRPC_PORT with a
grpcio client: CRUD, pagination, status codes, bearer metadata, the standard health service,
reflection, RPC metrics on the HTTP /metrics, and a graceful SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
import grpc_tools
import httpx
import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.descriptor import FieldDescriptor
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from prometheus_client.parser import text_string_to_metric_families

from tests.contract.checks import User, describe
from tests.contract.targets import grpc_with_jwt, wait_until
from tests.contract.test_contract_auth import BAD_TOKENS, bad_authorization
from tests.helpers.facts import CONTRACT, naming
from tests.helpers.service import port_is_open

pytestmark = pytest.mark.e2e
applies_to = grpc_with_jwt

GRPC = CONTRACT["grpc"]
ENV = CONTRACT["env"]
GRACE = CONTRACT["shutdown_grace_seconds"]
TIMEOUT = 15


# --- the contract's .proto, compiled by the suite ------------------------------------------


def compile_proto(project_dir: Path, relative: str, out_dir: Path) -> descriptor_pool.DescriptorPool:
    """The project's .proto (and the well-known types it imports) in a descriptor pool of its own."""
    out = out_dir / "contract.pb"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            f"--proto_path={project_dir / 'proto'}",
            f"--proto_path={Path(grpc_tools.__file__).parent / '_proto'}",  # the well-known types
            "--include_imports",
            f"--descriptor_set_out={out}",
            relative.removeprefix("proto/"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"protoc rejects {relative}:\n{result.stdout}\n{result.stderr}"
    files = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())
    pool = descriptor_pool.DescriptorPool()
    for file in files.file:
        pool.Add(file)
    return pool


@dataclass
class Names:
    plural: str
    Name: str
    Plural: str
    package: str
    service: str
    proto: str

    @classmethod
    def of(cls, resource: str) -> Names:
        plural = naming.pluralize(resource)
        fill = {"plural": plural, "Name": naming.pascal(resource)}
        return cls(
            plural=plural,
            Name=fill["Name"],
            Plural=naming.pascal(plural),
            package=GRPC["package"].format(**fill),
            service=f"{GRPC['package']}.{GRPC['service']}".format(**fill),
            proto=GRPC["proto"].format(**fill),
        )


class GrpcApi:
    """The resource service over a real channel, with message classes from the compiled .proto."""

    def __init__(self, port: int, pool: descriptor_pool.DescriptorPool, names: Names) -> None:
        self.names = names
        self.channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        self.service = pool.FindServiceByName(names.service)
        self.message = message_factory.GetMessageClass(
            pool.FindMessageTypeByName(f"{names.package}.{names.Name}")
        )

    def close(self) -> None:
        self.channel.close()

    def call(self, method: str, user: User | None = None, metadata=None, **fields):
        rpc = self.service.methods_by_name[method]
        request_class = message_factory.GetMessageClass(rpc.input_type)
        response_class = message_factory.GetMessageClass(rpc.output_type)
        stub = self.channel.unary_unary(
            f"/{self.service.full_name}/{method}",
            request_serializer=request_class.SerializeToString,
            response_deserializer=response_class.FromString,
        )
        if metadata is None:
            metadata = (("authorization", f"Bearer {user.token}"),) if user else ()
        return stub(request_class(**fields), metadata=metadata, timeout=TIMEOUT)

    def status(
        self, method: str, user: User | None = None, metadata=None, **fields
    ) -> tuple[grpc.StatusCode, str]:
        with pytest.raises(grpc.RpcError) as caught:
            self.call(method, user, metadata, **fields)
        return caught.value.code(), caught.value.details() or ""

    # The resource's RPCs by their contract names.
    def create(self, user: User | None, metadata=None, **fields):
        response = self.call(f"Create{self.names.Name}", user, metadata, **fields)
        return getattr(response, naming_field(self.names))

    def get(self, item_id: str):
        return getattr(self.call(f"Get{self.names.Name}", id=item_id), naming_field(self.names))

    def update(self, user: User | None, item_id: str, metadata=None, **fields):
        response = self.call(f"Update{self.names.Name}", user, metadata, id=item_id, **fields)
        return getattr(response, naming_field(self.names))

    def delete(self, user: User | None, item_id: str, metadata=None):
        return self.call(f"Delete{self.names.Name}", user, metadata, id=item_id)

    def list(self, **fields):
        return self.call(f"List{self.names.Plural}", **fields)


def naming_field(names: Names) -> str:
    """The response field holding one resource: the singular, snake case (`note`)."""
    return naming.snake(names.Name)


def grpc_port(instance) -> int:
    return int(instance.env[ENV["grpc_port"]])


@pytest.fixture(scope="session")
def names(target) -> Names:
    return Names.of(target.resource)


@pytest.fixture(scope="session")
def pool(target, names, tmp_path_factory) -> descriptor_pool.DescriptorPool:
    return compile_proto(target.project_dir, names.proto, tmp_path_factory.mktemp("proto"))


@pytest.fixture
def rpc(service, pool, names):
    client = GrpcApi(grpc_port(service), pool, names)
    yield client
    client.close()


def as_datetime(stamp) -> datetime:
    return datetime.fromtimestamp(stamp.seconds, UTC) + timedelta(microseconds=stamp.nanos // 1000)


# --- the .proto ------------------------------------------------------------------------------


def test_proto_declares_the_contract_service(pool, names):
    service = pool.FindServiceByName(names.service)
    N, P = names.Name, names.Plural
    expected = {
        f"List{P}": (f"List{P}Request", f"List{P}Response"),
        f"Get{N}": (f"Get{N}Request", f"Get{N}Response"),
        f"Create{N}": (f"Create{N}Request", f"Create{N}Response"),
        f"Update{N}": (f"Update{N}Request", f"Update{N}Response"),
        f"Delete{N}": (f"Delete{N}Request", f"Delete{N}Response"),
    }
    methods = {m.name: (m.input_type.name, m.output_type.name) for m in service.methods}
    assert methods == expected
    assert not any(m.client_streaming or m.server_streaming for m in service.methods), "unary RPCs"

    def fields(message: str) -> dict[str, str]:
        descriptor = pool.FindMessageTypeByName(f"{names.package}.{message}")
        return {
            f.name: f.message_type.full_name if f.type == FieldDescriptor.TYPE_MESSAGE else f.type
            for f in descriptor.fields
        }

    string, int32 = FieldDescriptor.TYPE_STRING, FieldDescriptor.TYPE_INT32
    timestamp = "google.protobuf.Timestamp"
    item = f"{names.package}.{N}"
    one = naming_field(names)
    assert fields(N) == {
        "id": string,
        "name": string,
        "description": string,
        "owner_id": string,
        "create_time": timestamp,
        "update_time": timestamp,
    }
    assert fields(f"List{P}Request") == {"page_size": int32, "page_token": string}
    assert fields(f"List{P}Response") == {names.plural: item, "next_page_token": string, "total_size": int32}
    assert fields(f"Create{N}Request") == {"name": string, "description": string}
    assert fields(f"Update{N}Request") == {"id": string, "name": string, "description": string}
    for request in (f"Get{N}Request", f"Delete{N}Request"):
        assert fields(request) == {"id": string}
    for response in (f"Get{N}Response", f"Create{N}Response", f"Update{N}Response"):
        assert fields(response) == {one: item}
    assert fields(f"Delete{N}Response") == {}


def test_the_rest_resource_routes_are_not_served(api):
    for path in (api.collection, api.item(str(uuid.uuid4()))):
        response = api.http.get(path)
        assert response.status_code == 404, describe(response)
    document = api.http.get(CONTRACT["openapi_path"]).json()
    assert not [path for path in document["paths"] if path.startswith(api.collection)]


# --- CRUD, pagination, status codes --------------------------------------------------------------


def test_create_get_update_delete(rpc, owner):
    before = datetime.now(UTC) - timedelta(seconds=2)
    item = rpc.create(owner, name="first", description="hello")
    assert item.id and (item.name, item.description, item.owner_id) == ("first", "hello", owner.id)
    created = as_datetime(item.create_time)
    assert before <= created <= datetime.now(UTC) + timedelta(seconds=2), created
    assert item.update_time == item.create_time

    assert rpc.get(item.id) == item

    updated = rpc.update(owner, item.id, name="renamed")
    assert (updated.id, updated.name, updated.description) == (item.id, "renamed", ""), "a full replace"
    assert updated.create_time == item.create_time
    assert as_datetime(updated.update_time) >= created
    assert rpc.get(item.id) == updated

    rpc.delete(owner, item.id)
    assert rpc.status(f"Get{rpc.names.Name}", id=item.id)[0] is grpc.StatusCode.NOT_FOUND
    assert rpc.status(f"Delete{rpc.names.Name}", owner, id=item.id)[0] is grpc.StatusCode.NOT_FOUND


def test_unknown_ids_are_not_found(rpc, owner):
    missing = str(uuid.uuid4())
    N = rpc.names.Name
    assert rpc.status(f"Get{N}", id=missing)[0] is grpc.StatusCode.NOT_FOUND
    assert rpc.status(f"Update{N}", owner, id=missing, name="x")[0] is grpc.StatusCode.NOT_FOUND
    assert rpc.status(f"Delete{N}", owner, id=missing)[0] is grpc.StatusCode.NOT_FOUND


def test_list_pages_through_everything_oldest_first(rpc, owner):
    names = [f"page item {n} {uuid.uuid4().hex[:6]}" for n in range(5)]
    for name in names:
        rpc.create(owner, name=name)
    total = rpc.list().total_size
    assert total >= 5

    default = rpc.list()
    assert len(getattr(default, rpc.names.plural)) == min(total, 20), "page_size 0 means 20"

    seen, token, pages = [], "", 0
    while True:
        page = rpc.list(page_size=2, page_token=token)
        items = getattr(page, rpc.names.plural)
        assert len(items) <= 2 and page.total_size == total
        seen += [item.name for item in items]
        token, pages = page.next_page_token, pages + 1
        if not token:
            break
        assert pages < total, "next_page_token never ran out"
    assert len(seen) == total, "the pages hold every item once"
    assert seen[-5:] == names, "oldest first: the newest five come last, in creation order"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"page_size": -1}, "page_size"),
        ({"page_size": 101}, "page_size"),
        ({"page_token": "not-a-token-of-ours"}, "page_token"),
    ],
    ids=["page-size-negative", "page-size-101", "foreign-token"],
)
def test_bad_page_requests_are_invalid_argument(rpc, fields, field):
    code, details = rpc.status(f"List{rpc.names.Plural}", **fields)
    assert code is grpc.StatusCode.INVALID_ARGUMENT
    assert field in details, f"the details name {field}: {details!r}"


def test_page_size_100_is_accepted(rpc):
    assert rpc.list(page_size=100).total_size >= 0


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "n" * 201}, "name"),
        ({"name": "ok", "description": "d" * 2001}, "description"),
    ],
    ids=["empty-name", "name-201", "description-2001"],
)
def test_invalid_fields_are_invalid_argument(rpc, owner, fields, field):
    total = rpc.list().total_size
    code, details = rpc.status(f"Create{rpc.names.Name}", owner, **fields)
    assert code is grpc.StatusCode.INVALID_ARGUMENT
    assert field in details, f"the details name {field}: {details!r}"
    item = rpc.create(owner, name="valid")
    code, details = rpc.status(f"Update{rpc.names.Name}", owner, id=item.id, **fields)
    assert code is grpc.StatusCode.INVALID_ARGUMENT
    assert rpc.get(item.id) == item
    assert rpc.list().total_size == total + 1


def test_longest_fields_are_accepted(rpc, owner):
    item = rpc.create(owner, name="n" * 200, description="d" * 2000)
    assert (len(item.name), len(item.description)) == (200, 2000)


@pytest.mark.parametrize("kind", BAD_TOKENS)
def test_writes_with_a_bad_token_are_unauthenticated(rpc, target, owner, kind):
    item = rpc.create(owner, name="guarded")
    headers = bad_authorization(kind, target.jwt_secret, owner.id, owner.token)
    metadata = tuple((key.lower(), value) for key, value in headers.items())
    total = rpc.list().total_size
    N = rpc.names.Name
    assert rpc.status(f"Create{N}", metadata=metadata, name="sneaky")[0] is grpc.StatusCode.UNAUTHENTICATED
    code, _ = rpc.status(f"Update{N}", metadata=metadata, id=item.id, name="sneaky")
    assert code is grpc.StatusCode.UNAUTHENTICATED
    assert rpc.status(f"Delete{N}", metadata=metadata, id=item.id)[0] is grpc.StatusCode.UNAUTHENTICATED
    assert rpc.list().total_size == total, "a rejected create created"
    assert rpc.get(item.id) == item, "a rejected write changed the item"


def test_only_the_owner_may_change_it(rpc, owner, stranger):
    item = rpc.create(owner, name="mine")
    N = rpc.names.Name
    code, _ = rpc.status(f"Update{N}", stranger, id=item.id, name="theirs")
    assert code is grpc.StatusCode.PERMISSION_DENIED
    assert rpc.status(f"Delete{N}", stranger, id=item.id)[0] is grpc.StatusCode.PERMISSION_DENIED
    assert rpc.get(item.id) == item


def test_a_token_from_the_http_endpoint_is_the_grpc_credential(rpc, api):
    user = api.new_user()
    assert rpc.create(user, name="by token").owner_id == user.id


# --- health, reflection ------------------------------------------------------------------------


def test_standard_health_check_is_serving(service, names):
    with grpc.insecure_channel(f"127.0.0.1:{grpc_port(service)}") as channel:
        health = health_pb2_grpc.HealthStub(channel)
        for name in ("", names.service):
            response = health.Check(health_pb2.HealthCheckRequest(service=name), timeout=TIMEOUT)
            assert response.status == health_pb2.HealthCheckResponse.SERVING, name
        with pytest.raises(grpc.RpcError) as caught:
            health.Check(health_pb2.HealthCheckRequest(service="no.such.v1.Service"), timeout=TIMEOUT)
        assert caught.value.code() is grpc.StatusCode.NOT_FOUND


def test_reflection_lists_the_service_and_serves_its_proto(service, names):
    with grpc.insecure_channel(f"127.0.0.1:{grpc_port(service)}") as channel:
        reflection = reflection_pb2_grpc.ServerReflectionStub(channel)
        requests = [
            reflection_pb2.ServerReflectionRequest(list_services=""),
            reflection_pb2.ServerReflectionRequest(file_containing_symbol=names.service),
        ]
        listed, described = list(reflection.ServerReflectionInfo(iter(requests), timeout=TIMEOUT))
    listed_names = {entry.name for entry in listed.list_services_response.service}
    assert {names.service, "grpc.health.v1.Health"} <= listed_names, listed_names
    files = [
        descriptor_pb2.FileDescriptorProto.FromString(raw)
        for raw in described.file_descriptor_response.file_descriptor_proto
    ]
    served = [file for file in files if file.package == names.package]
    assert served and [s.name for s in served[0].service] == [f"{names.Name}Service"]


# --- metrics --------------------------------------------------------------------------------------


def scrape(api) -> dict[str, list]:
    response = api.http.get(CONTRACT["metrics_path"])
    assert response.status_code == 200, describe(response)
    found: dict[str, list] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            found.setdefault(sample.name, []).append(sample)
    return found


def value(samples: dict[str, list], name: str, **labels) -> float:
    return sum(s.value for s in samples.get(name, []) if all(s.labels.get(k) == v for k, v in labels.items()))


def test_rpcs_are_counted_with_the_go_grpc_prometheus_names(rpc, api, owner, names):
    get = {"grpc_type": "unary", "grpc_service": names.service, "grpc_method": f"Get{names.Name}"}
    before = scrape(api)
    item = rpc.create(owner, name="counted")
    rpc.get(item.id)
    for _ in range(2):
        rpc.status(f"Get{names.Name}", id=str(uuid.uuid4()))
    after = scrape(api)

    started, handled, seconds = GRPC["metric_started"], GRPC["metric_handled"], GRPC["metric_duration"]
    assert value(after, started, **get) - value(before, started, **get) == 3
    for code, count in (("OK", 1), ("NOT_FOUND", 2)):
        delta = value(after, handled, **get, grpc_code=code) - value(before, handled, **get, grpc_code=code)
        assert delta == count, f"{handled}{{grpc_code={code}}} grew by {delta}, not {count}"
    create = {**get, "grpc_method": f"Create{names.Name}", "grpc_code": "OK"}
    assert value(after, handled, **create) >= 1
    assert value(after, f"{seconds}_count", **get) - value(before, f"{seconds}_count", **get) == 3
    assert value(after, f"{seconds}_bucket", **get, le="+Inf") == value(after, f"{seconds}_count", **get)
    assert value(after, f"{seconds}_sum", **get) > 0
    for sample in after[handled]:
        assert set(sample.labels) == {"grpc_type", "grpc_service", "grpc_method", "grpc_code"}, sample
        assert sample.labels["grpc_code"] == sample.labels["grpc_code"].upper(), sample


# --- lifecycle ----------------------------------------------------------------------------------


def test_sigterm_lets_an_open_stream_finish_then_exits_0(target, pool, names):
    instance = target.start("grpc-sigterm")
    port = grpc_port(instance)
    outgoing: list = []
    ready = threading.Event()

    def requests():
        yield reflection_pb2.ServerReflectionRequest(list_services="")
        ready.wait(GRACE)
        yield from outgoing

    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        stream = reflection_pb2_grpc.ServerReflectionStub(channel).ServerReflectionInfo(
            requests(), timeout=GRACE + 10
        )
        first = next(stream)
        assert first.list_services_response.service, "the stream answers before SIGTERM"
        signalled = time.monotonic()
        instance.signal(signal.SIGTERM)
        # New connections are refused on both ports while the stream is still open.
        assert wait_until(
            lambda: not port_is_open(port) and not port_is_open(instance.port), timeout=5, interval=0.05
        ), "still accepting connections 5 s after SIGTERM"
        assert instance.alive(), "exited with a stream still open\n" + instance.output_tail()
        outgoing.append(reflection_pb2.ServerReflectionRequest(file_containing_symbol=names.service))
        ready.set()
        second = next(stream)
        assert second.file_descriptor_response.file_descriptor_proto, (
            "the open stream is served after SIGTERM"
        )
        assert list(stream) == [], "the stream ends cleanly"
    finally:
        ready.set()
        channel.close()
    code = instance.wait_exit(max(0.1, GRACE - (time.monotonic() - signalled)))
    assert code == 0, f"exit code {code} within {GRACE} s of SIGTERM\n" + instance.output_tail()


def test_production_with_a_weak_secret_listens_on_no_port(target):
    env = target.service_env("grpc-weak", **{ENV["app_env"]: "production", ENV["jwt_secret"]: None})
    refusal = target.start_expecting_refusal("grpc-weak", env, extra_ports=(ENV["grpc_port"],))
    refusal.assert_refused("APP_ENV=production without JWT_SECRET")


def test_grpc_port_is_honoured(target, service):
    assert grpc_port(service) != GRPC["port"], "the suite runs its instance on a GRPC_PORT of its own"
    assert port_is_open(grpc_port(service))
    assert httpx.get(service.base_url + CONTRACT["health_path"], timeout=10).status_code == 200
