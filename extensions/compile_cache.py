"""Compile each distinct template source once per process.

`copier update` renders the template three times (the old release to replay the project, the new
one twice) and renders every path segment as a template of its own, so the same sources are
compiled over and over; compiling is most of an update's time. The compiled code depends only on
the source and on how the environment parses and folds it, so it is shared between environments
that agree on both, including the old and new release when their extensions are the same.
"""

from __future__ import annotations

import hashlib
import sys
import types
from pathlib import Path

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
        type(environment),
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


def _with_filename(code: types.CodeType, filename: str) -> types.CodeType:
    """The code with `filename` in its tracebacks, nested functions (blocks, macros) included."""
    if code.co_filename == filename:
        return code
    consts = tuple(
        _with_filename(c, filename) if isinstance(c, types.CodeType) else c for c in code.co_consts
    )
    return code.replace(co_filename=filename, co_consts=consts)


class CompiledTemplates(Extension):
    """Memoizes `environment.compile` by source for plain (non-raw) compiles."""

    def __init__(self, environment):
        super().__init__(environment)
        compile_source = environment.compile
        memo = _memo()
        key: list[tuple] = []  # the environment is complete only after every extension is loaded

        def compile_once(source, name=None, filename=None, raw=False, defer_init=False):
            if raw:
                return compile_source(source, name, filename, raw, defer_init)
            if not key:
                key.append(_environment_key(environment))
            entry = (key[0], source, name, defer_init)
            code = memo.get(entry)
            if code is None:
                code = memo[entry] = compile_source(source, name, filename, raw, defer_init)
            else:
                # Extensions' preprocess hooks still run per compile: copier resets state there.
                environment.preprocess(source, name, filename)
            return _with_filename(code, filename or "<template>")

        environment.compile = compile_once
