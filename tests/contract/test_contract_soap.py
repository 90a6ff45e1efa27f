"""Contract: the SOAP API (api_style=soap), spoken by a real SOAP client (zeep) from the WSDL the
service serves: every operation, faults with the problem in their detail, authentication by the
target's auth method (401 faults with its challenge, owner-only changes where callers are told
apart, anonymous writes with auth none), the WSDL's namespace and operations, no XML entities, and
the HTTP metrics and request id on the SOAP endpoint."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import httpx
import jwt
import pytest
import requests
import zeep
from lxml import etree
from prometheus_client.parser import text_string_to_metric_families
from zeep.exceptions import Fault
from zeep.helpers import serialize_object

from tests.contract.checks import RFC3339, Principal, describe, reason_phrases
from tests.contract.targets import (
    has_principals,
    log_record,
    only_for,
    speaks_soap,
    uses_api_keys,
    uses_jwt,
)
from tests.helpers.facts import CONTRACT, stacks

pytestmark = pytest.mark.e2e
applies_to = speaks_soap

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
WSDL = "http://schemas.xmlsoap.org/wsdl/"
WSDL_SOAP11 = "http://schemas.xmlsoap.org/wsdl/soap/"
ITEM_FIELDS = {"id", "name", "description", "created_at", "updated_at", "owner_id"}


@dataclass
class Soap:
    url: str  # the endpoint; the WSDL is at url + "?wsdl"
    namespace: str
    operations: dict[str, str]  # list/get/create/update/delete -> operation name
    element: str  # the element of one item in responses (the resource noun)

    def client(
        self, principal: Principal | None = None, headers: dict[str, str] | None = None
    ) -> zeep.Client:
        """A zeep client built from the served WSDL, sending `principal`'s credentials (or `headers`)."""
        session = requests.Session()
        session.headers.update(principal.auth if principal is not None else headers or {})
        return zeep.Client(self.url + "?wsdl", transport=zeep.Transport(session=session, timeout=15))

    def call(self, client: zeep.Client, key: str, **fields):
        return getattr(client.service, self.operations[key])(**fields)


@pytest.fixture
def soap(target, service) -> Soap:
    contract = stacks.soap_contract(target.resource, target.plural)
    return Soap(
        service.base_url + contract["path"], contract["namespace"], contract["operations"], target.resource
    )


@pytest.fixture
def anonymous(soap) -> zeep.Client:
    return soap.client()


def problem_of(detail: etree._Element | None, namespace: str) -> dict:
    """The problem document a fault's detail carries (docs/contract.md)."""
    assert detail is not None, "the fault has no detail"
    problems = detail.findall(f"{{{namespace}}}problem")
    assert len(problems) == 1, f"one {namespace} problem in the detail: {etree.tostring(detail)!r}"
    (problem,) = problems

    def text(name: str) -> str | None:
        return problem.findtext(f"{{{namespace}}}{name}")

    return {
        "status": int(text("status") or 0),
        "title": text("title"),
        "detail": text("detail"),
        "fields": [
            error.findtext(f"{{{namespace}}}field") for error in problem.findall(f"{{{namespace}}}error")
        ],
    }


def assert_fault(soap: Soap, call, code: str, status: int) -> dict:
    """`call()` raises a SOAP fault with `code` (Client/Server) whose detail is a `status` problem."""
    with pytest.raises(Fault) as raised:
        call()
    fault = raised.value
    assert fault.code.rpartition(":")[2] == code, f"faultcode {fault.code!r}, expected {code}"
    problem = problem_of(fault.detail, soap.namespace)
    assert problem["status"] == status, f"problem status {problem['status']}, expected {status}: {problem}"
    assert problem["title"] in reason_phrases(status), f"problem title {problem['title']!r}: {problem}"
    assert problem["detail"] and problem["detail"].strip(), f"problem detail is empty: {problem}"
    assert fault.message == problem["detail"], f"faultstring {fault.message!r} != detail {problem}"
    return problem


def envelope(soap: Soap, operation: str, fields: str = "") -> str:
    return (
        f'<s:Envelope xmlns:s="{SOAP_ENV}" xmlns:t="{soap.namespace}"><s:Body>'
        f"<t:{operation}>{fields}</t:{operation}></s:Body></s:Envelope>"
    )


# -- the WSDL -------------------------------------------------------------------------------------


def test_the_wsdl_has_the_contract_namespace_and_operations(soap, api):
    response = api.http.get(soap.url, params={"wsdl": ""})
    assert response.status_code == 200, describe(response)
    assert response.headers["content-type"].split(";")[0] in ("text/xml", "application/xml"), describe(
        response
    )
    document = etree.fromstring(
        response.content, parser=etree.XMLParser(resolve_entities=False, no_network=True)
    )
    assert document.tag == f"{{{WSDL}}}definitions", describe(response)
    assert document.get("targetNamespace") == soap.namespace, (
        f"targetNamespace {document.get('targetNamespace')!r}, contract: {soap.namespace!r}"
    )
    ns = {"w": WSDL, "s": WSDL_SOAP11}
    expected = set(soap.operations.values())
    assert set(document.xpath("w:portType/w:operation/@name", namespaces=ns)) == expected
    binding = document.find("w:binding", ns)
    assert binding is not None and binding.find("s:binding", ns) is not None, "a SOAP 1.1 binding is required"
    assert binding.find("s:binding", ns).get("style") == "document"
    assert {op.get("name") for op in binding.findall("w:operation", ns)} == expected
    for body in binding.iterfind("w:operation/*/s:body", ns):
        assert body.get("use") == "literal"
    assert document.xpath("w:service/w:port/s:address/@location", namespaces=ns) == [soap.url]

    # zeep reads the same document into one service whose port offers exactly these operations.
    client = soap.client()
    (service,) = client.wsdl.services.values()
    (port,) = service.ports.values()
    assert set(port.binding._operations) == expected


def test_the_rest_resource_routes_are_not_served(api):
    assert api.http.get(api.collection).status_code == 404


# -- operations -----------------------------------------------------------------------------------


def test_every_operation_round_trip(soap, api, owner, anonymous):
    client = soap.client(owner)
    created = soap.call(client, "create", name="soap first", description="made by zeep")
    assert set(created) == ITEM_FIELDS, created
    assert (created.name, created.description) == ("soap first", "made by zeep")
    if owner.id is not None:
        assert created.owner_id == owner.id, f"owner_id {created.owner_id!r}, the caller is {owner.id!r}"
    assert created.created_at.utcoffset() is not None and created.updated_at.utcoffset() is not None

    fetched = soap.call(anonymous, "get", id=created.id)
    assert serialize_object(fetched, dict) == serialize_object(created, dict)

    updated = soap.call(client, "update", id=created.id, name="renamed")
    assert (updated.id, updated.name) == (created.id, "renamed")
    assert (updated.description or "") == "", "an update without description sets it to the empty string"
    assert updated.created_at == created.created_at
    assert updated.updated_at >= created.updated_at

    assert soap.call(client, "delete", id=created.id) is None
    assert_fault(soap, lambda: soap.call(anonymous, "get", id=created.id), "Client", 404)


def test_list_pages_oldest_first(soap, api, owner, anonymous):
    client = soap.client(owner)
    before = soap.call(anonymous, "list", limit=1).total
    made = [soap.call(client, "create", name=f"page {i}").id for i in range(3)]
    page = soap.call(anonymous, "list", limit=2, offset=before + 1)
    assert (page.total, page.limit, page.offset) == (before + 3, 2, before + 1)
    assert [item.id for item in getattr(page, soap.element)] == made[1:3]
    default = soap.call(anonymous, "list")
    assert (default.limit, default.offset) == (20, 0), "limit and offset default to 20 and 0"


def test_timestamps_on_the_wire_are_rfc3339_with_an_offset(soap, api, owner):
    client = soap.client(owner)
    item = soap.call(client, "create", name="wire")
    body = envelope(soap, soap.operations["get"], f"<t:id>{item.id}</t:id>")
    response = api.http.post(soap.url, content=body, headers={"Content-Type": "text/xml; charset=utf-8"})
    assert response.status_code == 200, describe(response)
    root = etree.fromstring(response.content)
    for name in ("created_at", "updated_at"):
        value = root.findtext(f".//{{{soap.namespace}}}{name}")
        assert value and RFC3339.match(value), f"{name} must be RFC 3339 with a UTC offset: {value!r}"


# -- faults ---------------------------------------------------------------------------------------


def assert_refused(soap: Soap, api, headers: dict[str, str], item_id: str) -> None:
    """Writes with `headers` are 401 Client faults, and the HTTP response names the challenge."""
    client = soap.client(headers=headers)
    assert_fault(soap, lambda: soap.call(client, "create", name="x"), "Client", 401)
    assert_fault(soap, lambda: soap.call(client, "update", id=item_id, name="x"), "Client", 401)
    assert_fault(soap, lambda: soap.call(client, "delete", id=item_id), "Client", 401)
    body = envelope(soap, soap.operations["create"], "<t:name>x</t:name>")
    response = api.http.post(soap.url, content=body, headers={"Content-Type": "text/xml", **headers})
    assert response.status_code == 500, describe(response)
    challenge = response.headers.get("www-authenticate", "")
    assert challenge.split(" ")[0].lower() == api.challenge.lower(), (
        f"a 401 fault's response carries WWW-Authenticate: {api.challenge}, got {challenge!r}"
    )


@only_for(has_principals)
def test_writes_without_credentials_are_401_client_faults(soap, api, owner, anonymous):
    item = soap.call(soap.client(owner), "create", name="guarded")
    total = soap.call(anonymous, "list", limit=1).total
    assert_refused(soap, api, {}, item.id)
    # Who is calling is settled before the fields are looked at, as in the REST API.
    assert_fault(soap, lambda: soap.call(anonymous, "create", name=""), "Client", 401)
    assert soap.call(anonymous, "list", limit=1).total == total, "a refused write created"
    assert soap.call(anonymous, "get", id=item.id).name == "guarded", "a refused write changed it"


@only_for(uses_jwt)
@pytest.mark.parametrize("kind", ["expired", "wrong-signature", "alg-none", "garbage", "basic"])
def test_bad_tokens_are_401_client_faults(soap, api, target, owner, kind):
    item = soap.call(soap.client(owner), "create", name="guarded")
    now = int(time.time())
    claims = {"sub": owner.id, "iat": now, "exp": now + 600}
    token = {
        "expired": jwt.encode({**claims, "iat": now - 1000, "exp": now - 100}, target.jwt_secret, "HS256"),
        "wrong-signature": jwt.encode(claims, "x" * 40, "HS256"),
        "alg-none": jwt.encode(claims, None, algorithm="none"),
        "garbage": "not.a.token",
        "basic": None,
    }[kind]
    headers = {"Authorization": f"Bearer {token}" if token else "Basic dXNlcjpwYXNz"}
    assert_refused(soap, api, headers, item.id)


def _tampered(key: str) -> str:
    """The key with its last character changed (the secret's, by the contract)."""
    return key[:-1] + ("a" if key[-1] != "a" else "b")


@only_for(uses_api_keys)
@pytest.mark.parametrize("kind", ["empty", "garbage", "tampered-secret", "as-bearer"])
def test_bad_keys_are_401_client_faults(soap, api, owner, kind):
    item = soap.call(soap.client(owner), "create", name="guarded")
    header = CONTRACT["api_key_header"]
    headers = {
        "empty": {header: ""},
        "garbage": {header: "not-a-key-" + uuid.uuid4().hex},
        "tampered-secret": {header: _tampered(owner.key)},
        "as-bearer": {"Authorization": f"Bearer {owner.key}"},
    }[kind]
    assert_refused(soap, api, headers, item.id)


@only_for(uses_api_keys)
def test_a_revoked_key_is_refused_at_once(soap, api, target, service, owner, anonymous):
    item = soap.call(soap.client(owner), "create", name="made before revocation")
    assert item.owner_id == owner.id
    result = target.revoke_api_key(service, owner.id)
    assert result.returncode == 0, f"revoke_api_key exited {result.returncode}:\n{result.stderr[-3000:]}"
    assert_refused(soap, api, owner.auth, item.id)
    assert soap.call(anonymous, "get", id=item.id).name == "made before revocation"


@only_for(has_principals)
def test_changes_by_another_principal_are_403_client_faults(soap, owner, stranger, anonymous):
    item = soap.call(soap.client(owner), "create", name="mine")
    other = soap.client(stranger)
    assert_fault(soap, lambda: soap.call(other, "update", id=item.id, name="theirs"), "Client", 403)
    assert_fault(soap, lambda: soap.call(other, "delete", id=item.id), "Client", 403)
    assert soap.call(anonymous, "get", id=item.id).name == "mine"


@only_for(lambda spec: not has_principals(spec))
def test_writes_need_no_credentials_and_anyone_may_change_anything(soap, api, anonymous):
    item = soap.call(anonymous, "create", name="public")
    assert item.owner_id == CONTRACT["anonymous_principal"], item
    # Credentials, if a client sends any, change nothing: every caller is the same principal.
    someone = soap.client(headers={"Authorization": "Bearer someone-else"})
    assert soap.call(someone, "update", id=item.id, name="changed").owner_id == item.owner_id
    keyed = soap.client(headers={CONTRACT["api_key_header"]: "whatever"})
    assert soap.call(keyed, "delete", id=item.id) is None
    assert_fault(soap, lambda: soap.call(anonymous, "get", id=item.id), "Client", 404)
    body = envelope(soap, soap.operations["create"], "<t:name>no credentials</t:name>")
    response = api.http.post(soap.url, content=body, headers={"Content-Type": "text/xml"})
    assert response.status_code == 200, describe(response)
    assert "www-authenticate" not in response.headers, describe(response)


def test_unknown_ids_are_404_client_faults(soap, owner, anonymous):
    client = soap.client(owner)
    missing = str(uuid.uuid4())
    assert_fault(soap, lambda: soap.call(anonymous, "get", id=missing), "Client", 404)
    assert_fault(soap, lambda: soap.call(client, "update", id=missing, name="x"), "Client", 404)
    assert_fault(soap, lambda: soap.call(client, "delete", id=missing), "Client", 404)


@pytest.mark.parametrize(
    ("key", "fields", "invalid"),
    [
        ("create", {"name": ""}, {"name"}),
        ("create", {"name": "n" * 201}, {"name"}),
        ("create", {"name": "ok", "description": "d" * 2001}, {"description"}),
        ("list", {"limit": 0, "offset": -1}, {"limit", "offset"}),
        ("list", {"limit": 101}, {"limit"}),
    ],
    ids=["empty-name", "name-201", "description-2001", "limit-0-offset-minus-1", "limit-101"],
)
def test_invalid_input_is_a_422_client_fault_naming_the_fields(soap, owner, key, fields, invalid):
    client = soap.client(owner)
    problem = assert_fault(soap, lambda: soap.call(client, key, **fields), "Client", 422)
    assert invalid <= set(problem["fields"]), (
        f"the problem's errors name {problem['fields']}, expected {invalid}"
    )


def test_faults_are_http_500_text_xml(soap, api):
    """WS-I Basic Profile R1126: a SOAP 1.1 fault is sent with HTTP 500."""
    body = envelope(soap, soap.operations["get"], f"<t:id>{uuid.uuid4()}</t:id>")
    response = api.http.post(soap.url, content=body, headers={"Content-Type": "text/xml; charset=utf-8"})
    assert response.status_code == 500, describe(response)
    assert response.headers["content-type"].split(";")[0] == "text/xml", describe(response)
    fault = etree.fromstring(response.content).find(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault")
    assert fault is not None, describe(response)
    prefix, _, code = fault.findtext("faultcode", "").rpartition(":")
    assert (fault.nsmap.get(prefix or None), code) == (SOAP_ENV, "Client"), (
        f"faultcode must be the QName soap-env:Client: {describe(response)}"
    )
    assert problem_of(fault.find("detail"), soap.namespace)["status"] == 404, describe(response)


def test_xml_entities_are_never_expanded(soap, api, owner, target, tmp_path):
    """No XXE: a message with a document type declaration is a 400 Client fault, whatever it declares."""
    secret = tmp_path / "secret.txt"
    secret.write_text("contract-xxe-" + uuid.uuid4().hex)
    count_before = soap.call(soap.client(), "list", limit=1).total
    doctypes = {
        "external": f'<!DOCTYPE e [<!ENTITY x SYSTEM "file://{secret}">]>',
        "billion-laughs": '<!DOCTYPE e [<!ENTITY a "aaaaaaaaaa"><!ENTITY x "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',
    }
    for kind, doctype in doctypes.items():
        body = doctype + envelope(soap, soap.operations["create"], "<t:name>&x;</t:name>")
        response = api.http.post(
            soap.url, content=body, headers={"Content-Type": "text/xml; charset=utf-8", **owner.auth}
        )
        assert response.status_code == 500, f"{kind}: {describe(response)}"
        assert secret.read_text() not in response.text, f"{kind}: the file's content came back"
        assert "aaaaaaaaaaaaaaaaaaaa" not in response.text, f"{kind}: an entity was expanded"
        detail = etree.fromstring(response.content).find(f".//{{{SOAP_ENV}}}Fault/detail")
        assert problem_of(detail, soap.namespace)["status"] == 400, f"{kind}: {describe(response)}"
    assert soap.call(soap.client(), "list", limit=1).total == count_before, "nothing may be created"


# -- observability --------------------------------------------------------------------------------


def _soap_requests(api, url_path: str, status: str) -> float:
    text = api.http.get(CONTRACT["metrics_path"]).text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == CONTRACT["metric_requests"]
        and sample.labels == {"method": "POST", "route": url_path, "status": status}
    )


def test_soap_requests_are_counted_and_carry_the_request_id(soap, api, anonymous):
    path = CONTRACT["soap"]["path"]
    ok, faults = _soap_requests(api, path, "200"), _soap_requests(api, path, "500")
    soap.call(anonymous, "list", limit=1)
    with pytest.raises(Fault):
        soap.call(anonymous, "get", id=str(uuid.uuid4()))
    assert _soap_requests(api, path, "200") == ok + 1, (
        f'POST {path} answered 200 is counted under route="{path}"'
    )
    assert _soap_requests(api, path, "500") == faults + 1, 'a fault is counted as status="500"'

    request_id = f"soap-{uuid.uuid4().hex[:8]}"
    body = envelope(soap, soap.operations["list"])
    response = httpx.post(
        soap.url,
        content=body,
        headers={"Content-Type": "text/xml", CONTRACT["request_id_header"]: request_id},
    )
    assert response.status_code == 200, describe(response)
    assert response.headers.get(CONTRACT["request_id_header"]) == request_id, describe(response)


def test_soap_requests_are_logged_under_the_endpoint(soap, api, service):
    request_id = f"soap-log-{uuid.uuid4().hex[:8]}"
    body = envelope(soap, soap.operations["get"], f"<t:id>{uuid.uuid4()}</t:id>")
    response = api.http.post(
        soap.url,
        content=body,
        headers={"Content-Type": "text/xml", CONTRACT["request_id_header"]: request_id},
    )
    assert response.status_code == 500, describe(response)
    record = log_record(service, request_id)
    assert (record["method"], record["route"], record["status"]) == ("POST", CONTRACT["soap"]["path"], 500), (
        record
    )
