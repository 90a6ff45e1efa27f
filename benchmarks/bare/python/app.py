"""The bare floor of the Python service: FastAPI under uvicorn with the server settings of the
generated service's `python -m <package>`, and nothing else (no database, middleware or metrics).

Runs with the generated project's own environment, so the framework versions are the service's.
Serves on HOST and PORT: `HOST=127.0.0.1 PORT=8000 python app.py`.
"""

from __future__ import annotations

import os

import uvicorn
from fastapi import FastAPI

STAMP = "2026-01-01T00:00:00.000000Z"
# A list page as the service answers GET /api/v1/notes?limit=20 after 50 writes.
PAGE = {
    "items": [
        {
            "id": f"00000000-0000-4000-8000-{index:012d}",
            "name": f"item {index}",
            "description": "",
            "created_at": STAMP,
            "updated_at": STAMP,
            "owner_id": "00000000-0000-4000-8000-999999999999",
        }
        for index in range(20)
    ],
    "total": 50,
    "limit": 20,
    "offset": 0,
}

app = FastAPI()


# `async def`, as in FastAPI's own first steps: the floor is the framework's cheapest handler, so a
# synchronous handler in the service (run on a worker thread) shows up in the ratio.
@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/readyz")
async def readyz() -> dict[str, object]:
    return {"status": "ok", "checks": {}}


@app.get("/api/v1/notes")
async def notes() -> dict[str, object]:
    return PAGE


if __name__ == "__main__":
    # The service's uvicorn.run arguments, less what only the service has (its app and settings).
    uvicorn.run(
        app,
        host=os.environ["HOST"],
        port=int(os.environ["PORT"]),
        log_config=None,
        access_log=False,
        log_level="info",
        timeout_graceful_shutdown=8,
        proxy_headers=True,
        server_header=False,
    )
