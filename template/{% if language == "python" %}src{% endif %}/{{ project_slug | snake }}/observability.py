"""One pure ASGI middleware for request ids, Prometheus metrics and the access log."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid

from prometheus_client import Counter, Histogram
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .problems import PROBLEM_MEDIA_TYPE, problem_body

REQUEST_ID_HEADER = "X-Request-ID"
UNMATCHED_ROUTE = "unmatched"
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,128}$")

REQUESTS = Counter(
    "http_requests_total",
    "HTTP requests handled, by method, route template and status code.",
    ["method", "route", "status"],
)
DURATION = Histogram(
    "http_request_duration_seconds",
    "HTTP request duration in seconds, by method, route template and status code.",
    ["method", "route", "status"],
)

access_log = logging.getLogger("access")
error_log = logging.getLogger("error")


def request_id_from(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            candidate: str = value.decode("latin-1")
            if _REQUEST_ID_RE.match(candidate):
                return candidate
            break
    return uuid.uuid4().hex


def route_template(scope: Scope, routes: list[BaseRoute]) -> str:
    """The matched route's template (`/api/v1/things/{id}`), or `unmatched`."""
    route = scope.get("route")
    path: object = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    partial: str | None = None
    for candidate in routes:
        match, _ = candidate.matches(scope)
        candidate_path: object = getattr(candidate, "path", None)
        if not isinstance(candidate_path, str):
            continue
        if match == Match.FULL:
            return candidate_path
        if match == Match.PARTIAL and partial is None:
            partial = candidate_path
    return partial or UNMATCHED_ROUTE


class ObservabilityMiddleware:
    def __init__(self, app: ASGIApp, routes: list[BaseRoute]) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        start = time.perf_counter()
        request_id = request_id_from(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500
        started = False

        async def send_wrapper(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started = True
                status = int(message["status"])
                headers = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if name.lower() != b"x-request-id"
                ]
                headers.append((b"x-request-id", request_id.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception:
            error_log.exception("unhandled error", extra={"request_id": request_id})
            if started:
                raise
            await _send_internal_error(send_wrapper)
        finally:
            duration = time.perf_counter() - start
            method = str(scope.get("method", "")).upper()
            route = route_template(scope, self.routes)
            labels = {"method": method, "route": route, "status": str(status)}
            REQUESTS.labels(**labels).inc()
            DURATION.labels(**labels).observe(duration)
            access_log.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": method,
                    "route": route,
                    "path": scope.get("path", ""),
                    "status": status,
                    "duration_ms": round(duration * 1000, 3),
                },
            )


async def _send_internal_error(send: Send) -> None:
    body = json.dumps(problem_body(500)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 500,
            "headers": [
                (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
