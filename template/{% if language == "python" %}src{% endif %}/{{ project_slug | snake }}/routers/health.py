"""Probes and metrics."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import Engine, text

from ..problems import Problem, problem_response
from ..schemas import Readiness, Status

router = APIRouter(tags=["operations"])
log = logging.getLogger(__name__)


@router.get("/healthz", summary="Liveness: the process answers")
def healthz() -> Status:
    return Status()


@router.get(
    "/readyz",
    summary="Readiness: every dependency answers",
    responses={503: {"model": Problem, "description": "A dependency is down"}},
    response_model=Readiness,
)
def readyz(request: Request) -> Any:
    engine: Engine = request.app.state.engine
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        log.warning("readiness check failed: database", exc_info=True)
        return problem_response(503, "The database does not answer.", checks={"database": "fail"})
    return Readiness(checks={"database": "ok"})


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}},
)
def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
