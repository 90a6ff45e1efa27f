"""nginx=true, live: Debian's nginx checks the generated config (`nginx -t`), then runs it, with
compose's command line, in front of the generated service on loopback; requests through it get
the security headers, their request id, gzip, the body size limit, and no metrics.

The service is the contract suite's (tests/contract/targets.py) for the project rendered with
nginx=true, on its default database; nginx's config is the generated one with only its upstream
and listen port moved to loopback (tests/helpers/nginx.py says why).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

import httpx
import pytest

from tests.contract.checks import Api
from tests.contract.targets import Target, log_record, wait_until
from tests.helpers.facts import CONTRACT, ENABLED_LANGUAGES, stacks
from tests.helpers.nginx import CONFIG
from tests.helpers.servers import Nginx
from tests.helpers.service import RunningService, free_port

# One xdist worker runs them all: each language's service is installed and started once, not per worker.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("nginx")]

PROXY = stacks.PROXY
HEADER = CONTRACT["request_id_header"]
# What nginx's $request_id looks like: 16 random bytes in hex.
NGINX_REQUEST_ID = re.compile(r"^[0-9a-f]{32}$")
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}
UNITS = {"k": 1024, "m": 1024**2, "g": 1024**3}


def body_limit() -> int:
    """The facts' client_max_body_size in bytes."""
    size = PROXY["client_max_body_size"].lower()
    return int(size[:-1]) * UNITS[size[-1]] if size[-1] in UNITS else int(size)


def answers(language: str) -> dict:
    return {"language": language, "nginx": True}


@pytest.mark.parametrize("language", ENABLED_LANGUAGES)
def test_nginx_accepts_the_generated_config(render, language):
    project = render(**answers(language))
    nginx = Nginx(project, upstream_port=free_port())
    try:
        result = nginx.check()
    finally:
        nginx.cleanup()
    assert result.returncode == 0, f"nginx -t rejected {CONFIG}:\n{result.stderr}"
    assert "test is successful" in result.stderr, result.stderr


def test_nginx_check_catches_a_broken_config(render, tmp_path):
    """`nginx -t` as run above fails on a config nginx would refuse."""
    project = tmp_path / "project"
    source = render(**answers(ENABLED_LANGUAGES[0]))
    (project / CONFIG.parent).mkdir(parents=True)
    (project / "compose.yaml").write_text((source / "compose.yaml").read_text())
    text = (source / CONFIG).read_text()
    assert "gzip_vary on;" in text
    (project / CONFIG).write_text(text.replace("gzip_vary on;", "gzip_vary maybe;"))
    nginx = Nginx(project, upstream_port=free_port())
    try:
        result = nginx.check()
    finally:
        nginx.cleanup()
    assert result.returncode != 0 and "gzip_vary" in result.stderr, result.stderr


@pytest.mark.parametrize("language", ENABLED_LANGUAGES)
def test_without_the_service_nginx_answers_a_problem_document(render, language):
    """nginx's own errors carry the headers and are problem documents, like the service's."""
    nginx = Nginx(render(**answers(language)), upstream_port=free_port())  # nothing listens there
    try:
        nginx.start()
        response = httpx.get(nginx.base_url + CONTRACT["health_path"], timeout=15)
    finally:
        nginx.cleanup()
    assert response.status_code == 502, response.text
    assert response.headers.get("content-type") == "application/problem+json"
    assert response.json() == {"type": "about:blank", "title": "Bad Gateway", "status": 502}
    assert_security_headers(response)
    assert NGINX_REQUEST_ID.match(response.headers.get(HEADER, ""))


class Proxied(NamedTuple):
    target: Target
    service: RunningService
    nginx: Nginx

    def through(self) -> httpx.Client:
        return httpx.Client(base_url=self.nginx.base_url, timeout=15)

    def reached_the_service(self, request_id: str) -> bool:
        return any(record.get("request_id") == request_id for record in self.service.log_records())

    def never_reached_the_service(self, request_id: str) -> bool:
        """Not logged by the service, even once a later request has been: its log line is not just late."""
        marker = f"marker-{uuid.uuid4().hex}"
        httpx.get(self.service.base_url + CONTRACT["health_path"], headers={HEADER: marker}, timeout=10)
        assert wait_until(lambda: self.reached_the_service(marker), timeout=5), self.service.output_tail()
        return not self.reached_the_service(request_id)


@pytest.fixture(scope="module", params=ENABLED_LANGUAGES)
def proxied(request, render) -> Iterator[Proxied]:
    """The generated service of each enabled language, and a real nginx in front of it."""
    language = request.param
    project: Path = render(**answers(language))
    target = Target.of_project(language, project)
    service = target.start("nginx")
    nginx = Nginx(project, service.port)
    try:
        nginx.start()
        yield Proxied(target, service, nginx)
    finally:
        nginx.cleanup()
        target.stop_all()


def assert_security_headers(response: httpx.Response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, f"{name}: {response.headers.get(name)!r}"
    policy = response.headers.get("content-security-policy", "")
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy, policy
    assert response.headers.get("server") == "nginx", "server_tokens off: no version"


def test_health_through_nginx_has_the_security_headers(proxied):
    with proxied.through() as client:
        response = client.get(CONTRACT["health_path"])
    assert response.status_code == 200, response.text
    assert_security_headers(response)
    direct = httpx.get(proxied.service.base_url + CONTRACT["health_path"], timeout=10)
    assert response.json() == direct.json(), "nginx passes the service's answer on"
    assert "content-security-policy" not in direct.headers, "the headers are nginx's, not the service's"


def test_a_valid_request_id_passes_through_unchanged(proxied):
    sent = "client.Request-42_x"
    with proxied.through() as client:
        response = client.get(CONTRACT["health_path"], headers={HEADER: sent})
    assert response.headers.get(HEADER) == sent
    assert log_record(proxied.service, sent)["status"] == 200, "the service got and logged the same id"


@pytest.mark.parametrize("sent", [None, "has space", "x" * 129], ids=["none", "invalid", "too-long"])
def test_nginx_gives_a_request_id_the_service_keeps(proxied, sent):
    """Without a usable id nginx makes one; the service logs that same id and nginx answers with it."""
    with proxied.through() as client:
        response = client.get(CONTRACT["health_path"], headers={HEADER: sent} if sent else {})
    request_id = response.headers.get(HEADER, "")
    assert NGINX_REQUEST_ID.match(request_id), f"{HEADER}: {request_id!r}"
    assert log_record(proxied.service, request_id)["status"] == 200
    # nginx logs a request once it has answered it: the line may come a moment later.
    assert wait_until(lambda: request_id in "\n".join(proxied.nginx.access_log()), timeout=5), (
        "nginx's access log names it too"
    )


def test_a_json_list_is_gzipped(proxied):
    api: Api = proxied.target.api(proxied.service)
    try:
        owner = api.new_principal()
        for number in range(20):
            api.create(
                owner,
                name=f"a {proxied.target.resource} long enough to make the list worth compressing {number}",
            )
    finally:
        api.close()
    path = f"{CONTRACT['api_prefix']}/{proxied.target.plural}?limit=20"
    with proxied.through() as client:
        response = client.get(path, headers={"Accept-Encoding": "gzip"})
        small = client.get(CONTRACT["health_path"], headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200, response.text
    assert response.headers.get("content-encoding") == "gzip"
    assert "accept-encoding" in response.headers.get("vary", "").lower()
    assert response.num_bytes_downloaded < len(response.content) >= PROXY["gzip_min_length"]
    direct = httpx.get(proxied.service.base_url + path, timeout=10)
    assert response.json() == direct.json(), "the decompressed list is the service's"
    assert "content-encoding" not in small.headers, f"below gzip_min_length ({len(small.content)} bytes)"


def test_a_body_over_the_limit_gets_413_before_the_service(proxied):
    path = f"{CONTRACT['api_prefix']}/{proxied.target.plural}"
    limit = body_limit()
    headers = {"content-type": "application/json"}
    with proxied.through() as client:
        over = client.post(path, content=b" " * (limit + 1), headers=headers)
        at = client.post(path, content=b" " * limit, headers=headers)
    assert over.status_code == 413, over.text
    assert over.headers.get("content-type") == "application/problem+json"
    assert over.json()["status"] == 413
    assert_security_headers(over)
    assert proxied.never_reached_the_service(over.headers[HEADER]), "a 413 body never reaches the service"
    assert wait_until(lambda: proxied.reached_the_service(at.headers[HEADER]), timeout=5), (
        f"a body of exactly {PROXY['client_max_body_size']} passes nginx (the service answered {at.status_code})"
    )


def allows(policy: str, directive: str, source: str) -> bool:
    """Whether the Content-Security-Policy lets `directive` (falling back to default-src) load from
    `source`: an https URL, or 'unsafe-inline' for an inline script or style."""
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    allowed = directives.get(directive, directives.get("default-src", []))
    if source == "'unsafe-inline'":
        return source in allowed
    origin = "https://" + urlsplit(source).netloc
    return urlsplit(source).scheme == "https" and bool({origin, "https:"} & set(allowed))


def test_the_docs_page_may_load_what_it_uses(proxied):
    """The API docs (HTML) get a policy of their own that lets in exactly what the page loads."""
    with proxied.through() as client:
        response = client.get(CONTRACT["docs_path"])
    assert response.status_code == 200 and "text/html" in response.headers["content-type"]
    policy = response.headers["content-security-policy"]
    page = response.text
    loads = [("script-src", src) for src in re.findall(r'<script[^>]*\ssrc="([^"]+)"', page)]
    loads += [
        ("style-src", href) for href in re.findall(r'<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"', page)
    ]
    loads += [
        ("style-src", href) for href in re.findall(r'<link[^>]*href="([^"]+)"[^>]*rel="stylesheet"', page)
    ]
    loads += [("img-src", href) for href in re.findall(r'<link[^>]*rel="[^"]*icon"[^>]*href="([^"]+)"', page)]
    if re.search(r"<script(?![^>]*\ssrc=)[^>]*>\s*\S", page):
        loads.append(("script-src", "'unsafe-inline'"))
    assert any(directive == "script-src" for directive, _ in loads), f"no scripts found on the page:\n{page}"
    blocked = [(directive, source) for directive, source in loads if not allows(policy, directive, source)]
    assert not blocked, f"{policy!r} blocks what the docs page loads: {blocked}"
    with proxied.through() as client:
        api_policy = client.get(CONTRACT["health_path"]).headers["content-security-policy"]
    assert not allows(api_policy, "script-src", "'unsafe-inline'"), "API answers keep the strict policy"


METRICS = CONTRACT["metrics_path"]
# The metrics path as clients could spell it: nginx matches the normalized path.
METRICS_SPELLINGS = {
    "plain": METRICS,
    "query": METRICS + "?name=x",
    "slashes": "/" + METRICS,
    "encoded": f"/%{ord(METRICS[1]):02X}{METRICS[2:]}",
}


@pytest.mark.parametrize("path", list(METRICS_SPELLINGS.values()), ids=list(METRICS_SPELLINGS))
def test_metrics_are_not_served_through_nginx(proxied, path):
    direct = httpx.get(proxied.service.base_url + METRICS, timeout=10)
    assert direct.status_code == 200 and CONTRACT["metric_requests"] in direct.text
    with proxied.through() as client:
        # As spelled: httpx would read `//x` as a host name, or decode what is encoded.
        response = client.get(httpx.URL(proxied.nginx.base_url).copy_with(raw_path=path.encode()))
    assert response.status_code == 404, response.text
    assert response.headers.get("content-type") == "application/problem+json"
    assert CONTRACT["metric_requests"] not in response.text
    assert_security_headers(response)
    assert proxied.never_reached_the_service(response.headers[HEADER])
