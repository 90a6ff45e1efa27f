"""RFC 9457 problem details for every 4xx and 5xx response."""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_MEDIA_TYPE = "application/problem+json"

DEFAULT_DETAILS = {
    400: "The request could not be understood.",
    401: "Authentication is required.",
    403: "You are not allowed to do this.",
    404: "The requested resource was not found.",
    405: "The method is not allowed for this resource.",
    409: "The request conflicts with the current state of the resource.",
    422: "The request is invalid.",
    500: "An unexpected error occurred.",
    503: "The service is not ready.",
}


# RFC 9110 names; older Pythons' http.HTTPStatus still carries the RFC 7231 ones.
_PHRASES = {413: "Content Too Large", 422: "Unprocessable Content"}


def reason_phrase(status: int) -> str:
    try:
        return _PHRASES.get(status) or HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class FieldError(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str


class ValidationProblem(Problem):
    errors: list[FieldError]


class ProblemError(Exception):
    """Raise anywhere in a request to answer with a problem document."""

    def __init__(
        self,
        status: int,
        detail: str | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        self.status = status
        self.detail = detail or DEFAULT_DETAILS.get(status, reason_phrase(status))
        super().__init__(self.detail)
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})


def problem_body(status: int, detail: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "type": "about:blank",
        "title": reason_phrase(status),
        "status": status,
        "detail": detail or DEFAULT_DETAILS.get(status, reason_phrase(status)),
        **extra,
    }


def problem_response(
    status: int,
    detail: str | None = None,
    *,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    return JSONResponse(
        problem_body(status, detail, **extra),
        status_code=status,
        headers=dict(headers or {}),
        media_type=PROBLEM_MEDIA_TYPE,
    )


def unauthorized(detail: str, scheme: str = "Bearer") -> ProblemError:
    """A 401 whose WWW-Authenticate names the auth scheme the client should use."""
    return ProblemError(401, detail, headers={"WWW-Authenticate": scheme})


def _field_name(loc: tuple[int | str, ...]) -> str:
    sources = {"body", "query", "path", "header", "cookie"}
    rest = loc[1:] if loc and loc[0] in sources else loc
    names = [str(part) for part in rest if isinstance(part, str)]
    if names:
        return ".".join(names)
    return str(loc[0]) if loc else "body"


async def _problem_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return problem_response(exc.status, exc.detail, headers=exc.headers, **exc.extra)


async def _http_exception_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    phrases = {reason_phrase(exc.status_code), HTTPStatus(exc.status_code).phrase}
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail not in phrases else None
    return problem_response(exc.status_code, detail, headers=exc.headers)


async def _validation_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = []
    for error in exc.errors():
        message = str(error.get("msg", "is invalid"))
        if error.get("type") == "json_invalid":
            message = "the body is not valid JSON"
        errors.append({"field": _field_name(tuple(error.get("loc", ()))), "message": message})
    return problem_response(
        422, "The request has invalid or missing fields; see `errors`.", errors=errors
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ProblemError, _problem_error_handler)
    app.add_exception_handler(StarletteHTTPException, _http_exception_handler)
    app.add_exception_handler(RequestValidationError, _validation_handler)
