"""The `copier` command as a learner runs it, for the render and update benchmarks."""

from __future__ import annotations

import os
import sys
from pathlib import Path

COPIER = Path(sys.executable).with_name("copier")


def learner_env(**extra: str) -> dict[str, str]:
    """This environment as a learner's shell has it, plus `extra`. Python writes bytecode there: the
    PYTHONDONTWRITEBYTECODE of this machine would have every `copier` command compile copier and its
    libraries from source (0.6 s of an update), which an installed copier does once."""
    return {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"} | extra
