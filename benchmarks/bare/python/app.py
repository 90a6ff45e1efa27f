"""The bare floor of the Python service: FastAPI under uvicorn with the server settings of the
generated service's `python -m <package>`, and nothing else (no ORM, middleware or metrics).

Two floors for the list: a constant page (a hello-world), and the page the service's two queries
read from the SQLite database at DATABASE_URL through its driver, aiosqlite (what any list must do).
Runs with the generated project's own environment, so the framework and driver versions are the
service's. Serves on HOST and PORT: `HOST=127.0.0.1 PORT=8000 DATABASE_URL=sqlite:///<path> python app.py`.
"""

from __future__ import annotations

import asyncio
import functools
import os

import aiosqlite
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

COUNT = "SELECT count(*) FROM notes"
PAGE_ROWS = (
    "SELECT id, name, description, created_at, updated_at, owner_id FROM notes"
    " ORDER BY created_at, id LIMIT ? OFFSET ?"
)

app = FastAPI()


@functools.cache
def _database() -> asyncio.Task[aiosqlite.Connection]:
    """One connection, opened by the first request (the service creates the file after bare
    starts); later requests await the same task."""
    url = os.environ["DATABASE_URL"]
    if not url.startswith("sqlite:///"):
        raise ValueError(f"bare reads SQLite only, not {url!r}")
    return asyncio.ensure_future(aiosqlite.connect(url.removeprefix("sqlite:///")))


def _rfc3339(stored: str) -> str:
    """SQLite keeps the service's UTC times as `YYYY-MM-DD HH:MM:SS.ffffff`."""
    return stored.replace(" ", "T") + "Z"


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


@app.get("/database/notes")
async def notes_from_database(limit: int = 20, offset: int = 0) -> dict[str, object]:
    database = await _database()
    async with database.execute(COUNT) as cursor:
        (total,) = await cursor.fetchone()
    async with database.execute(PAGE_ROWS, (limit, offset)) as cursor:
        rows = await cursor.fetchall()
    items = [
        {
            "id": id_,
            "name": name,
            "description": description,
            "created_at": _rfc3339(created_at),
            "updated_at": _rfc3339(updated_at),
            "owner_id": owner_id,
        }
        for id_, name, description, created_at, updated_at, owner_id in rows
    ]
    return {"items": items, "total": total, "limit": limit, "offset": offset}


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
