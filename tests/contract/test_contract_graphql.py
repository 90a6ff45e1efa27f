"""Contract: the GraphQL API at /graphql (api_style=graphql), spoken over HTTP like any client.

The schema must be the SDL of the project's docs/contract.md (compared structurally, through
introspection); queries are public, mutations take the credential of the target's auth method
(a Bearer JWT, an API key, or none at all) as the REST API would, and every error carries
`extensions.code`.
"""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from graphql import (
    GraphQLSchema,
    build_client_schema,
    build_schema,
    get_introspection_query,
    lexicographic_sort_schema,
    print_schema,
)
from prometheus_client.parser import text_string_to_metric_families

from tests.contract.checks import GraphQL, assert_problem, assert_rfc3339, describe
from tests.contract.targets import (
    has_principals,
    log_record,
    only_for,
    speaks_graphql,
    uses_api_keys,
    uses_jwt,
)
from tests.contract.test_contract_auth import BAD_TOKENS, bad_authorization
from tests.helpers.facts import CONTRACT, naming

pytestmark = pytest.mark.e2e
applies_to = speaks_graphql


def graphql_with_principals(spec) -> bool:
    return speaks_graphql(spec) and has_principals(spec)


def graphql_with_jwt(spec) -> bool:
    return speaks_graphql(spec) and uses_jwt(spec)


def graphql_with_api_keys(spec) -> bool:
    return speaks_graphql(spec) and uses_api_keys(spec)


def graphql_without_auth(spec) -> bool:
    return speaks_graphql(spec) and not has_principals(spec)


PATH = CONTRACT["graphql_path"]
ENV = CONTRACT["env"]
API_KEY_HEADER = CONTRACT["api_key_header"]
FIELDS = "id name description createdAt updatedAt ownerId"
SDL_BLOCK = re.compile(r"```graphql\n(.*?)```", re.DOTALL)


class Names:
    """The resource's GraphQL names: `note` -> notes, note, createNote, NoteInput, ..."""

    def __init__(self, resource: str) -> None:
        pascal = naming.pascal(resource)
        self.one = resource
        self.many = naming.pluralize(resource)
        self.input = f"{pascal}Input"
        self.create, self.update, self.delete = (f"{verb}{pascal}" for verb in ("create", "update", "delete"))

    def get(self) -> str:
        return f"query($id: ID!) {{ {self.one}(id: $id) {{ {FIELDS} }} }}"

    def page(self, selection: str = "items { id name } total limit offset") -> str:
        return f"query($limit: Int!, $offset: Int!) {{ {self.many}(limit: $limit, offset: $offset) {{ {selection} }} }}"

    def create_doc(self) -> str:
        return f"mutation($input: {self.input}!) {{ {self.create}(input: $input) {{ {FIELDS} }} }}"

    def update_doc(self) -> str:
        return f"mutation($id: ID!, $input: {self.input}!) {{ {self.update}(id: $id, input: $input) {{ {FIELDS} }} }}"

    def delete_doc(self) -> str:
        return f"mutation($id: ID!) {{ {self.delete}(id: $id) }}"


@pytest.fixture
def gql(api) -> GraphQL:
    return GraphQL(api.http)


@pytest.fixture
def names(target) -> Names:
    return Names(target.resource)


def create(gql: GraphQL, names: Names, user, **fields) -> dict:
    return gql.data(names.create_doc(), {"input": fields}, user)[names.create]


def total(gql: GraphQL, names: Names) -> int:
    return gql.data(names.page("total"), {"limit": 1, "offset": 0})[names.many]["total"]


def assert_item(item, owner_id: str) -> dict:
    assert isinstance(item, dict) and set(item) == set(FIELDS.split()), f"an item has {FIELDS}: {item!r}"
    assert isinstance(item["id"], str) and item["id"], f"id is an opaque non-empty string: {item}"
    assert item["ownerId"] == owner_id, f"ownerId must be the writer's principal {owner_id!r}: {item}"
    created = assert_rfc3339(item["createdAt"], "createdAt")
    assert assert_rfc3339(item["updatedAt"], "updatedAt") >= created, item
    return item


def structure(schema: GraphQLSchema) -> str:
    """The schema's SDL without descriptions, types and fields sorted: what clients depend on."""
    for named in schema.type_map.values():
        if named.name.startswith("__"):
            continue
        named.description = None
        for field in (getattr(named, "fields", None) or {}).values():
            field.description = None
            for argument in (getattr(field, "args", None) or {}).values():
                argument.description = None
    return print_schema(lexicographic_sort_schema(schema))


def test_introspection_serves_the_contract_schema(gql, target):
    contract = (target.project_dir / "docs" / "contract.md").read_text()
    blocks = SDL_BLOCK.findall(contract)
    assert len(blocks) == 1, f"docs/contract.md holds one ```graphql block, found {len(blocks)}"
    expected = build_schema(blocks[0])
    introspection = gql.data(get_introspection_query(descriptions=True))
    served = build_client_schema(introspection)
    assert structure(served) == structure(expected)


def test_create_read_update_delete(gql, names, owner):
    item = assert_item(create(gql, names, owner, name="first", description="a description"), owner.id)
    assert (item["name"], item["description"]) == ("first", "a description")
    assert gql.data(names.get(), {"id": item["id"]}) == {names.one: item}, (
        "a read returns the item as created"
    )

    updated = gql.data(
        names.update_doc(), {"id": item["id"], "input": {"name": "renamed", "description": "changed"}}, owner
    )[names.update]
    assert_item(updated, owner.id)
    assert (updated["id"], updated["name"], updated["description"]) == (item["id"], "renamed", "changed")
    assert updated["createdAt"] == item["createdAt"], "an update keeps createdAt"
    assert gql.data(names.get(), {"id": item["id"]}) == {names.one: updated}, "the update is stored"

    assert gql.data(names.delete_doc(), {"id": item["id"]}, owner) == {names.delete: item["id"]}
    gql.field_error(names.get(), {"id": item["id"]}, None, names.one, "NOT_FOUND")
    gql.field_error(names.delete_doc(), {"id": item["id"]}, owner, names.delete, "NOT_FOUND")


def test_description_is_optional_and_an_update_resets_it(gql, names, owner):
    item = create(gql, names, owner, name="no description")
    assert item["description"] == ""
    updated = gql.data(
        names.update_doc(), {"id": item["id"], "input": {"name": "x", "description": "d"}}, owner
    )
    assert updated[names.update]["description"] == "d"
    again = gql.data(names.update_doc(), {"id": item["id"], "input": {"name": "x"}}, owner)
    assert again[names.update]["description"] == "", "the input replaces: description defaults to ''"


def test_pagination_window_total_and_oldest_first(gql, names, owner):
    before = total(gql, names)
    made = [create(gql, names, owner, name=f"page item {n}")["id"] for n in range(3)]
    window = gql.data(names.page(), {"limit": 3, "offset": before})[names.many]
    assert [item["id"] for item in window["items"]] == made, "oldest first: the new items close the list"
    assert (window["total"], window["limit"], window["offset"]) == (before + 3, 3, before)
    middle = gql.data(names.page(), {"limit": 1, "offset": before + 1})[names.many]
    assert [item["id"] for item in middle["items"]] == made[1:2]
    beyond = gql.data(names.page(), {"limit": 100, "offset": before + 3})[names.many]
    assert (beyond["items"], beyond["total"]) == ([], before + 3)
    defaults = gql.data(f"{{ {names.many} {{ limit offset total }} }}")[names.many]
    assert (defaults["limit"], defaults["offset"]) == (20, 0), f"defaults are limit 20, offset 0: {defaults}"


@pytest.mark.parametrize(
    ("limit", "offset", "fields"),
    [(0, 0, {"limit"}), (101, 0, {"limit"}), (10, -1, {"offset"}), (0, -1, {"limit", "offset"})],
    ids=["limit-0", "limit-101", "offset-negative", "both"],
)
def test_out_of_range_pagination_is_bad_user_input(gql, names, limit, offset, fields):
    error = gql.field_error(
        names.page(), {"limit": limit, "offset": offset}, None, names.many, "BAD_USER_INPUT"
    )
    named = {entry["field"] for entry in error["extensions"].get("errors", [])}
    assert named == fields, f"extensions.errors should name {fields}, named {named}: {error}"


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"name": ""}, "input.name"),
        ({"name": "x" * 201}, "input.name"),
        ({"name": "ok", "description": "y" * 2001}, "input.description"),
    ],
    ids=["name-empty", "name-201", "description-2001"],
)
def test_out_of_limit_input_is_bad_user_input(gql, names, owner, fields, bad):
    before = total(gql, names)
    error = gql.field_error(names.create_doc(), {"input": fields}, owner, names.create, "BAD_USER_INPUT")
    named = [entry.get("field") for entry in error["extensions"].get("errors", [])]
    assert named == [bad], f"extensions.errors should name {bad!r}: {error}"
    assert all(isinstance(entry.get("message"), str) for entry in error["extensions"]["errors"]), error
    assert total(gql, names) == before, "a refused create created"


def test_limits_are_inclusive(gql, names, owner):
    item = create(gql, names, owner, name="n" * 200, description="d" * 2000)
    assert (len(item["name"]), len(item["description"])) == (200, 2000)


@only_for(graphql_with_principals)
def test_writes_need_credentials_and_reads_do_not(gql, names, owner):
    item = create(gql, names, owner, name="guarded")
    before = total(gql, names)
    gql.field_error(
        names.create_doc(), {"input": {"name": "anonymous"}}, None, names.create, "UNAUTHENTICATED"
    )
    gql.field_error(
        names.update_doc(), {"id": item["id"], "input": {"name": "x"}}, None, names.update, "UNAUTHENTICATED"
    )
    gql.field_error(names.delete_doc(), {"id": item["id"]}, None, names.delete, "UNAUTHENTICATED")
    assert total(gql, names) == before
    assert gql.data(names.get(), {"id": item["id"]})[names.one] == item, "a refused write changed the item"
    junk = gql.http.post(
        PATH,
        json={"query": names.get(), "variables": {"id": item["id"]}},
        headers={"Authorization": "Bearer junk", API_KEY_HEADER: "junk"},
    )
    assert gql.answer(junk) == {"data": {names.one: item}}, "reads are public, whatever the headers say"


@only_for(graphql_with_jwt)
@pytest.mark.parametrize("kind", BAD_TOKENS)
def test_bad_tokens_are_unauthenticated(gql, names, api, target, owner, kind):
    item = create(gql, names, owner, name="guarded")
    headers = bad_authorization(kind, target.jwt_secret, owner.id, owner.token)
    response = api.http.post(
        PATH,
        json={"query": names.update_doc(), "variables": {"id": item["id"], "input": {"name": "sneaky"}}},
        headers=headers,
    )
    body = gql.answer(response)
    assert body.get("data") == {names.update: None}, describe(response)
    codes = [error["extensions"]["code"] for error in body["errors"]]
    assert codes == ["UNAUTHENTICATED"], describe(response)
    assert gql.data(names.get(), {"id": item["id"]})[names.one] == item, "a rejected write changed the item"


@only_for(graphql_with_api_keys)
@pytest.mark.parametrize("kind", ["missing", "empty", "garbage", "tampered-secret", "as-bearer"])
def test_bad_api_keys_are_unauthenticated(gql, names, owner, kind):
    item = create(gql, names, owner, name="guarded")
    tampered = owner.key[:-1] + ("a" if owner.key[-1] != "a" else "b")
    headers = {
        "missing": {},
        "empty": {API_KEY_HEADER: ""},
        "garbage": {API_KEY_HEADER: "not-a-key-" + uuid.uuid4().hex},
        "tampered-secret": {API_KEY_HEADER: tampered},
        "as-bearer": {"Authorization": f"Bearer {owner.key}"},
    }[kind]
    response = gql.http.post(
        PATH,
        json={"query": names.update_doc(), "variables": {"id": item["id"], "input": {"name": "sneaky"}}},
        headers=headers,
    )
    body = gql.answer(response)
    assert body.get("data") == {names.update: None}, describe(response)
    assert [error["extensions"]["code"] for error in body["errors"]] == ["UNAUTHENTICATED"], describe(
        response
    )
    assert gql.data(names.get(), {"id": item["id"]})[names.one] == item, "a rejected write changed the item"


@only_for(graphql_with_api_keys)
def test_a_revoked_key_is_unauthenticated_at_once(gql, names, target, service, owner, stranger):
    item = create(gql, names, owner, name="made before revocation")
    result = target.revoke_api_key(service, owner.id)
    assert result.returncode == 0, f"revoke_api_key exited {result.returncode}:\n{result.stderr[-3000:]}"
    gql.field_error(
        names.update_doc(),
        {"id": item["id"], "input": {"name": "after"}},
        owner,
        names.update,
        "UNAUTHENTICATED",
    )
    gql.field_error(names.create_doc(), {"input": {"name": "after"}}, owner, names.create, "UNAUTHENTICATED")
    assert gql.data(names.get(), {"id": item["id"]})[names.one] == item, (
        "revoking a key keeps what it created"
    )
    assert create(gql, names, stranger, name="another key still works")["ownerId"] == stranger.id


@only_for(graphql_without_auth)
def test_without_auth_anyone_may_change_anything(gql, names, api):
    anonymous = CONTRACT["anonymous_principal"]
    item = assert_item(create(gql, names, None, name="public"), anonymous)
    # Credentials, if a client sends any, change nothing: every caller is the same principal.
    response = gql.http.post(
        PATH,
        json={"query": names.update_doc(), "variables": {"id": item["id"], "input": {"name": "changed"}}},
        headers={"Authorization": "Bearer someone-else", API_KEY_HEADER: "whatever"},
    )
    updated = gql.answer(response)
    assert not updated.get("errors"), describe(response)
    assert updated["data"][names.update]["ownerId"] == anonymous, describe(response)
    assert gql.data(names.delete_doc(), {"id": item["id"]}) == {names.delete: item["id"]}
    gql.field_error(names.get(), {"id": item["id"]}, None, names.one, "NOT_FOUND")


@only_for(graphql_with_principals)
def test_only_the_owner_may_change(gql, names, owner, stranger):
    item = create(gql, names, owner, name="owned")
    gql.field_error(
        names.update_doc(),
        {"id": item["id"], "input": {"name": "stolen"}},
        stranger,
        names.update,
        "FORBIDDEN",
    )
    gql.field_error(names.delete_doc(), {"id": item["id"]}, stranger, names.delete, "FORBIDDEN")
    assert gql.data(names.get(), {"id": item["id"]})[names.one] == item


def test_unknown_ids_are_not_found(gql, names, owner):
    unknown = str(uuid.uuid4())
    gql.field_error(names.get(), {"id": unknown}, None, names.one, "NOT_FOUND")
    gql.field_error(
        names.update_doc(), {"id": unknown, "input": {"name": "x"}}, owner, names.update, "NOT_FOUND"
    )
    gql.field_error(names.delete_doc(), {"id": unknown}, owner, names.delete, "NOT_FOUND")


def test_a_failing_field_leaves_the_others(gql, names, owner):
    item = create(gql, names, owner, name="present")
    document = f'query($id: ID!) {{ here: {names.one}(id: $id) {{ name }} gone: {names.one}(id: "{uuid.uuid4()}") {{ name }} }}'
    body = gql.answer(gql.post(document, {"id": item["id"]}))
    assert body["data"] == {"here": {"name": "present"}, "gone": None}, body
    assert [error.get("path") for error in body["errors"]] == [["gone"]], body
    assert [error["extensions"]["code"] for error in body["errors"]] == ["NOT_FOUND"], body


def test_documents_that_cannot_run_are_400_request_errors(gql, names, owner):
    gql.request_error(f"{{ {names.many} {{ ", None, "GRAPHQL_PARSE_FAILED")
    gql.request_error(f"{{ {names.many} {{ noSuchField }} }}", None, "GRAPHQL_VALIDATION_FAILED")
    gql.request_error(f'{{ {names.many}(limit: "many") {{ total }} }}', None, "GRAPHQL_VALIDATION_FAILED")
    gql.request_error(names.create_doc(), {"input": {"name": 5}}, "BAD_USER_INPUT", owner)
    gql.request_error(names.create_doc(), {}, "BAD_USER_INPUT", owner)


def test_depth_and_alias_limits(gql, names):
    nested = "a { b { c { d { e { f } } } } }"
    body = gql.request_error(
        f"{{ {names.many} {{ items {{ {nested} }} }} }}", None, "GRAPHQL_VALIDATION_FAILED"
    )
    assert any("depth" in error["message"].lower() for error in body["errors"]), (
        f"a document deeper than 6 levels is refused for its depth: {body}"
    )
    aliases = " ".join(f"a{n}: {names.many} {{ total }}" for n in range(16))
    gql.request_error(f"{{ {aliases} }}", None, "GRAPHQL_VALIDATION_FAILED")
    within = " ".join(f"a{n}: {names.many} {{ total }}" for n in range(15))
    assert len(gql.data(f"{{ {within} }}")) == 15, "15 aliases are within the limit"


def test_queries_run_over_get_and_mutations_do_not(gql, names, api, owner):
    item = create(gql, names, owner, name="by get")
    response = api.http.get(PATH, params={"query": f"{{ {names.many}(limit: 1) {{ limit }} }}"})
    assert gql.answer(response) == {"data": {names.many: {"limit": 1}}}, describe(response)
    mutation = f'mutation {{ {names.delete}(id: "{item["id"]}") }}'
    refused = api.http.get(PATH, params={"query": mutation}, headers=owner.auth)
    assert 400 <= refused.status_code < 500, f"a mutation over GET is refused: {describe(refused)}"
    assert gql.data(names.get(), {"id": item["id"]})[names.one] == item, "the mutation over GET ran"


def test_the_rest_resource_routes_are_not_served(api):
    assert_problem(api.http.get(api.collection), 404)
    assert_problem(api.http.get(api.item(str(uuid.uuid4()))), 404)


def test_wrong_http_methods_are_405_problems(api):
    assert_problem(api.http.put(PATH, json={"query": "{ __typename }"}), 405)


def test_graphql_requests_and_errors_are_counted(gql, names, api):
    def count(name: str, **labels: str) -> float:
        text = api.http.get(CONTRACT["metrics_path"]).text
        return sum(
            sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == name and sample.labels == labels
        )

    def counts() -> tuple[float, ...]:
        requests, errors = CONTRACT["metric_requests"], CONTRACT["metric_graphql_errors"]
        return (
            count(requests, method="POST", route=PATH, status="200"),
            count(requests, method="POST", route=PATH, status="400"),
            count(errors, code="NOT_FOUND"),
            count(errors, code="GRAPHQL_PARSE_FAILED"),
        )

    before = counts()
    gql.data(names.page("total"), {"limit": 1, "offset": 0})
    gql.field_error(names.get(), {"id": str(uuid.uuid4())}, None, names.one, "NOT_FOUND")
    gql.request_error(f"{{ {names.many} {{ ", None, "GRAPHQL_PARSE_FAILED")
    increase = tuple(after - was for after, was in zip(counts(), before, strict=True))
    assert increase == (2, 1, 1, 1), (
        f'expected {CONTRACT["metric_requests"]} on route="{PATH}" +2 (200) and +1 (400), and '
        f"{CONTRACT['metric_graphql_errors']} +1 for NOT_FOUND and GRAPHQL_PARSE_FAILED; got {increase}"
    )


def test_each_graphql_request_is_one_log_line(gql, names, service):
    request_id = f"graphql-{uuid.uuid4().hex[:12]}"
    response = gql.http.post(
        PATH,
        json={"query": f"{{ {names.many} {{ total }} }}"},
        headers={CONTRACT["request_id_header"]: request_id},
    )
    gql.answer(response)
    record = log_record(service, request_id)
    assert (record.get("method"), record.get("route"), record.get("status")) == ("POST", PATH, 200), record


def test_graphiql_is_served_outside_production_only(api, target):
    page = api.http.get(PATH, headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html"), describe(page)
    production = {ENV["app_env"]: "production"}
    if not has_principals(target.spec):
        production[ENV["allow_anonymous_writes"]] = "true"
    env = target.service_env("graphql-production", **production)
    instance = target.start("graphql-production", env)
    try:
        answer = httpx.get(instance.base_url + PATH, headers={"Accept": "text/html"}, timeout=10)
        assert not answer.headers.get("content-type", "").startswith("text/html"), (
            f"production serves no GraphQL IDE: {describe(answer)}"
        )
        query = httpx.post(instance.base_url + PATH, json={"query": "{ __typename }"}, timeout=10)
        assert query.status_code == 200 and query.json() == {"data": {"__typename": "Query"}}, describe(query)
    finally:
        assert instance.stop() == 0, instance.output_tail()
