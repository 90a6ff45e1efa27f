"""Contract: /openapi.json is an OpenAPI 3 document of the API; /docs is HTML."""

from __future__ import annotations

import pytest

from tests.contract.checks import describe
from tests.contract.targets import speaks_graphql, speaks_rest
from tests.helpers.facts import CONTRACT

pytestmark = pytest.mark.e2e


def test_openapi_document_lists_the_api(api, target):
    response = api.http.get(CONTRACT["openapi_path"])
    assert response.status_code == 200, describe(response)
    assert response.headers["content-type"].startswith("application/json"), describe(response)
    document = response.json()
    assert str(document.get("openapi", "")).startswith("3."), (
        f"not OpenAPI 3: openapi={document.get('openapi')!r}"
    )
    assert isinstance(document.get("info"), dict) and document["info"].get("title"), "info.title is required"
    paths = document.get("paths", {})
    expected = {
        f"{api.prefix}/auth/register": {"post"},
        f"{api.prefix}/auth/token": {"post"},
    }
    if api.auth_method != "jwt":
        expected = {}
        listed = [path for path in paths if path.startswith(f"{api.prefix}/auth/")]
        assert not listed, f"auth {api.auth_method!r} has no {api.prefix}/auth/ endpoints, but lists {listed}"
    if speaks_rest(target.spec):
        expected[api.collection] = {"get", "post"}
        expected[f"{api.collection}/{{id}}"] = {"get", "put", "delete"}
    if speaks_graphql(target.spec):
        expected[CONTRACT["graphql_path"]] = {"post"}
    if not speaks_rest(target.spec):
        # Another API style serves the resource; HTTP documents what it still serves.
        assert not [path for path in paths if path.startswith(api.collection)], (
            f"{target.spec.api_style}: the REST resource routes must not be served: {sorted(paths)}"
        )
    for path, methods in expected.items():
        assert path in paths, f"{path} is not in the OpenAPI paths {sorted(paths)}"
        assert methods <= set(paths[path]), (
            f"{path} lacks {methods - set(paths[path])} in the OpenAPI document"
        )


def test_docs_are_html(api):
    response = api.http.get(CONTRACT["docs_path"])
    assert response.status_code == 200, describe(response)
    assert response.headers["content-type"].startswith("text/html"), describe(response)
    assert "<html" in response.text.lower(), describe(response)
