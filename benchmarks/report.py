"""Where the benchmark scripts put their figures: printed, and with --record kept in benchmarks/results/."""

from __future__ import annotations

import datetime
import os
import platform
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


class Report:
    def __init__(self, name: str, record: bool) -> None:
        self.name = name
        self.record = record
        self.lines: list[str] = []

    def line(self, text: str = "") -> None:
        print(text, flush=True)
        self.lines.append(text)

    def close(self) -> None:
        if not self.record:
            return
        RESULTS.mkdir(exist_ok=True)
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
        header = f"# {self.name}: {stamp}, {os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}"
        (RESULTS / f"{self.name}.txt").write_text("\n".join([header, *self.lines]) + "\n")
