"""Compile each distinct template source once, per process and across processes.

`copier update` renders the template three times (the old release to replay the project, the new
one twice) and renders every path segment as a template of its own, so the same sources are
compiled over and over; compiling is most of an update's time. The compiled code depends only on
the source and on how the environment parses and folds it, so it is shared between environments
that agree on both, including the old and new release when their extensions are the same.

Compiled code is also kept on disk, as Jinja's own bytecode cache does for loaded templates (it
does not cover `from_string` or copier's path segments): `copier update` then replays the release
that `copier copy` rendered, and the sources the new release did not change, without compiling
them again. The files live in the user's cache directory, named by a digest of everything that
shapes the code (Python, Jinja, the environment, the extensions, the source); deleting them only
costs a recompile.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import stat
import sys
import tempfile
import types
from pathlib import Path

import jinja2
from jinja2.ext import Extension

# copier-template-extensions executes this file afresh for every environment, so the memo lives in
# a module of its own that outlives those executions.
_STORE = "backend_roadmap_compiled_templates"


def _memo() -> dict:
    if _STORE not in sys.modules:
        store = types.ModuleType(_STORE)
        store.codes = {}
        sys.modules[_STORE] = store
    return sys.modules[_STORE].codes


def _extensions_digest() -> str:
    """Filters may be folded into compiled code, so code is shared only between equal extensions."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _environment_key(environment) -> tuple:
    return (
        f"{type(environment).__module__}.{type(environment).__qualname__}",
        tuple(sorted(type(extension).__qualname__ for extension in environment.extensions.values())),
        environment.block_start_string,
        environment.block_end_string,
        environment.variable_start_string,
        environment.variable_end_string,
        environment.comment_start_string,
        environment.comment_end_string,
        environment.line_statement_prefix,
        environment.line_comment_prefix,
        environment.trim_blocks,
        environment.lstrip_blocks,
        environment.newline_sequence,
        environment.keep_trailing_newline,
        environment.optimized,
        environment.is_async,
        environment.autoescape if isinstance(environment.autoescape, bool) else "callable",
        environment.finalize is None,
        _extensions_digest(),
    )


def _disk_directory() -> Path | None:
    """This user's private directory for compiled code, or None where there is none to trust
    (code loaded from it is executed, so a directory others can write to is not used)."""
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "copier-backend-roadmap"
    directory = root / "jinja" / f"{sys.implementation.cache_tag}-jinja{jinja2.__version__}"
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        status = directory.stat()
    except OSError:
        return None
    if status.st_uid != os.getuid() or status.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return None
    return directory


def _disk_path(directory: Path, entry: tuple) -> Path:
    return directory / (hashlib.sha256(repr(entry).encode()).hexdigest() + ".code")


def _load(path: Path) -> types.CodeType | None:
    try:
        code = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    return code if isinstance(code, types.CodeType) else None


def _store(directory: Path, path: Path, code: types.CodeType) -> None:
    """Written whole or not at all: concurrent renders may write the same entry."""
    try:
        descriptor, temporary = tempfile.mkstemp(dir=directory, suffix=".partial")
    except OSError:
        return
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(marshal.dumps(code))
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)


def _with_filename(code: types.CodeType, filename: str) -> types.CodeType:
    """The code with `filename` in its tracebacks, nested functions (blocks, macros) included."""
    if code.co_filename == filename:
        return code
    consts = tuple(
        _with_filename(c, filename) if isinstance(c, types.CodeType) else c for c in code.co_consts
    )
    return code.replace(co_filename=filename, co_consts=consts)


class CompiledTemplates(Extension):
    """Memoizes `environment.compile` by source for plain (non-raw) compiles, in memory and on disk."""

    def __init__(self, environment):
        super().__init__(environment)
        compile_source = environment.compile
        memo = _memo()
        disk = _disk_directory()
        key: list[tuple] = []  # the environment is complete only after every extension is loaded

        def compiled(source, name, filename, defer_init, entry) -> types.CodeType:
            path = disk and _disk_path(disk, entry)
            code = path and _load(path)
            if code is None:
                code = compile_source(source, name, filename, False, defer_init)
                if path:
                    _store(disk, path, code)
            return code

        def compile_once(source, name=None, filename=None, raw=False, defer_init=False):
            if raw:
                return compile_source(source, name, filename, raw, defer_init)
            if not key:
                key.append(_environment_key(environment))
            entry = (key[0], source, name, defer_init)
            code = memo.get(entry)
            if code is None:
                code = memo[entry] = compiled(source, name, filename, defer_init, entry)
            else:
                # Extensions' preprocess hooks still run per compile: copier resets state there.
                environment.preprocess(source, name, filename)
            return _with_filename(code, filename or "<template>")

        environment.compile = compile_once
