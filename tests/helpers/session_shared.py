"""Results computed once per test run and shared by its pytest-xdist workers."""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable
from typing import Any

import pytest


def computed_once(tmp_path_factory: pytest.TempPathFactory, name: str, compute: Callable[[], Any]) -> Any:
    """`compute()`'s result (JSON), computed by the first worker of this run that asks; the others
    wait for it and read it. A failure is not kept: each worker that asks then fails the same way."""
    base = tmp_path_factory.getbasetemp()
    # A worker's base directory is one per worker inside the run's own.
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    result = shared / f"{name}.json"
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if result.is_file():
            return json.loads(result.read_text())
        value = compute()
        result.write_text(json.dumps(value))
        return value
