#!/usr/bin/env python3
"""Regenerate the Python stack's templated uv.lock.

A generated project depends on the base packages plus those of its answers
(STACKS["python"]["option_packages"] and ["option_dev_packages"] in
extensions/stacks.py, keyed by an answer of the database, cache, api_style or
auth question), and its uv.lock holds exactly those packages. The template
still ships ONE lock; this script makes it:

1. Render a placeholder project and rewrite its pyproject as the "union":
   the base dependencies, plus every answer's packages as an extra named
   after the answer, and every answer's dev packages as a dependency group of
   that name.
2. `uv lock` it, starting from the union lock recovered from the current
   template (4.), so versions move only with --upgrade.
3. Turn the union lock into the template:
   - the project's own [[package]] entry lists the base requirements and,
     each on a line between `{% if 'VALUE' in options %}` and `{% endif %}`,
     those of the answers: their extra and group are merged into the
     entry's `dependencies` and `dev` group (and into `requires-dist` and
     `requires-dev`, without the `extra == ...` marker), as uv writes them
     for a project that depends on them directly;
   - every other [[package]] block stays unguarded when the base
     requirements (dependencies and the dev group) reach it in the lock's
     dependency graph, following `extra = [...]` references into packages'
     optional dependencies; otherwise it is guarded by the answers that reach
     it: `{% if 'a' in options or 'b' in options %}`;
   - likewise each optional-dependencies table of a kept block that fewer
     answers reach than the block (pyjwt's `crypto` extra, say, when only one
     answer asks for pyjwt[crypto]): uv refuses to parse a lock in which an
     entry names a package the lock does not hold, even in an unused extra
     (with the misleading "has missing `source` field but has more than one
     matching package"), and it writes an extra only when something uses it;
   - the placeholder name becomes `{{ project_slug }}` (`| snake`) again.
4. Recovering the union lock undoes 3.: drop the blocks' guards, move the
   guarded lines of the project's entry back into the extras and groups. On
   writing, the script checks that the recovery gives the union lock back.

`options` in the template's context is the list of the four answers
(extensions/backend_roadmap.py), so a rendered lock is the part of the union
lock that its answers reach. tests/test_lockfiles.py renders projects, runs
`uv lock --check` in them and checks that the lock holds nothing its project
does not reach: `uv lock --check` alone accepts a lock with packages nothing
needs. --verify renders every combination of the answers that add packages,
copier offers them yet or not, and checks that `uv lock --check` passes and
that a new resolution (which prefers the locked versions) locks the same
packages. (It can differ in form: a project that asks for both pyjwt and
pyjwt[crypto] gets one dependency line from uv, two from the template.)

    uv run python scripts/relock_python.py            # after editing the pyproject template or the option packages
    uv run python scripts/relock_python.py --upgrade  # take newer versions of everything
    uv run python scripts/relock_python.py --check    # exit 1 when the lock is stale
    uv run python scripts/relock_python.py --verify   # check the lock of every combination of answers
"""

from __future__ import annotations

import argparse
import difflib
import importlib.util
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections import deque
from pathlib import Path

import jinja2
import yaml
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "template"
LOCK_TEMPLATE = TEMPLATE / '{% if language == "python" %}uv.lock{% endif %}.jinja'
PYPROJECT_TEMPLATE = TEMPLATE / '{% if language == "python" %}pyproject.toml{% endif %}.jinja'
PLACEHOLDER = "relock-placeholder-svc"
PLACEHOLDER_SNAKE = PLACEHOLDER.replace("-", "_")
# The questions whose answers may add packages, in the order of `options`.
OPTION_QUESTIONS = ("database", "cache", "api_style", "auth")
DEV = "dev"

# The guards this script writes: around blocks at the start of a line, in the project's entry indented.
BLOCK_GUARD = re.compile(r"^\{% if (.+) %\}$")
ENTRY_GUARD = re.compile(r"^    \{% if (.+) %\}$")
BLOCK_ENDIF = "{% endif %}"
ENTRY_ENDIF = "    {% endif %}"
GUARD_TERM = re.compile(r"^'([^']+)' in options$")

PROJECT = "[[package]]"
OPTIONAL = "[package.optional-dependencies]"
DEV_DEPENDENCIES = "[package.dev-dependencies]"
METADATA = "[package.metadata]"
REQUIRES_DEV = "[package.metadata.requires-dev]"


def load_stacks():
    spec = importlib.util.spec_from_file_location("relock_stacks", ROOT / "extensions" / "stacks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Options:
    """The answers that add packages: their packages, and their extra/group names in the union lock."""

    def __init__(self, stack: dict) -> None:
        self.runtime = {value: list(reqs) for value, reqs in stack["option_packages"].items() if reqs}
        self.dev = {value: list(reqs) for value, reqs in stack["option_dev_packages"].items() if reqs}
        self.values = list(dict.fromkeys([*self.runtime, *self.dev]))
        # uv writes extra and group names normalized (api_key -> api-key).
        self.by_name = {self.name(value): value for value in self.values}
        if len(self.by_name) != len(self.values) or DEV in self.by_name:
            raise SystemExit(f"option values must stay distinct, and not {DEV!r}, once normalized")

    @staticmethod
    def name(value: str) -> str:
        return str(canonicalize_name(value))

    def value(self, name: str, what: str) -> str:
        if name not in self.by_name:
            raise SystemExit(f"the union lock has {what} {name!r}, which is no option's name")
        return self.by_name[name]

    def condition(self, values) -> str:
        return " or ".join(f"'{value}' in options" for value in self.values if value in values)

    def parse_condition(self, condition: str) -> list[str]:
        values = []
        for term in condition.split(" or "):
            match = GUARD_TERM.match(term)
            if not match or match.group(1) not in self.values:
                raise SystemExit(f"unexpected guard {condition!r} in the lock template")
            values.append(match.group(1))
        return values


# --- the union project -------------------------------------------------------------------


def render(destination: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "copier",
            "copy",
            "--trust",
            "--defaults",
            "--quiet",
            "-d",
            "language=python",
            "-d",
            f"project_slug={PLACEHOLDER}",
            str(ROOT),
            str(destination),
        ],
        check=True,
    )


def _array(key: str, items: list[str]) -> str:
    return f"{key} = [\n" + "".join(f"    {json.dumps(item)},\n" for item in items) + "]\n"


def _replace_array(text: str, key: str, replacement: str) -> str:
    pattern = re.compile(rf"^{re.escape(key)} = \[\n(?:    .*\n)*\]\n", re.MULTILINE)
    if len(pattern.findall(text)) != 1:
        raise SystemExit(f"expected one multi-line `{key} = [...]` in the rendered pyproject.toml")
    return pattern.sub(lambda _: replacement, text)


def write_union_pyproject(project: Path, options: Options) -> None:
    """Rewrite the rendered pyproject (default answers) to declare every answer's packages."""
    path = project / "pyproject.toml"
    text = path.read_text()
    manifest = tomllib.loads(text)
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    chosen = [answers[question] for question in OPTION_QUESTIONS]
    base = [
        requirement
        for requirement in manifest["project"]["dependencies"]
        if not any(requirement in options.runtime.get(value, []) for value in chosen)
    ]
    base_dev = [
        requirement
        for requirement in manifest["dependency-groups"][DEV]
        if not any(requirement in options.dev.get(value, []) for value in chosen)
    ]
    text = _replace_array(text, "dependencies", _array("dependencies", base))
    groups = {DEV: base_dev, **{options.name(value): reqs for value, reqs in options.dev.items()}}
    text = _replace_array(text, DEV, "".join(_array(name, groups[name]) for name in sorted(groups)))
    extras = {options.name(value): reqs for value, reqs in options.runtime.items()}
    if extras:
        text = text.rstrip("\n") + "\n\n[project.optional-dependencies]\n"
        text += "".join(_array(name, extras[name]) for name in sorted(extras))
    union = tomllib.loads(text)
    assert union["project"]["dependencies"] == base
    assert union["project"].get("optional-dependencies", {}) == extras
    assert union["dependency-groups"] == {**manifest["dependency-groups"], **groups}
    path.write_text(text)


# --- lock text ------------------------------------------------------------------------


def split_lock(lock: str) -> tuple[str, list[str]]:
    """The header and the [[package]] blocks, each ending with a newline, without the blank lines between."""
    header, *blocks = lock.split("\n\n[[package]]\n")
    return header + "\n", [f"{PROJECT}\n{block.rstrip(chr(10))}\n" for block in blocks]


def join_lock(header: str, blocks: list[str]) -> str:
    return header + "".join("\n" + block for block in blocks)


def is_project(block: str) -> bool:
    return f'\nname = "{PLACEHOLDER}"\n' in block


# An entry: [(table, key, one-line value | [(guard values, line), ...])], in file order.
Entry = list[tuple[str, str, str | list[tuple[list[str], str]]]]


def parse_entry(block: str, options: Options) -> Entry:
    items: Entry = []
    table = ""
    lines = block.rstrip("\n").split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line:
            continue
        if line.startswith("["):
            table = line
            continue
        key, sep, value = line.partition(" = ")
        if not sep:
            raise SystemExit(f"unexpected line in the project's lock entry: {line!r}")
        if value == "[]" or value.startswith("[{"):  # uv writes no or one requirement inline
            items.append((table, key, [([], f"    {value[1:-1]},")] if value != "[]" else []))
            continue
        if value != "[":
            items.append((table, key, value))
            continue
        entries: list[tuple[list[str], str]] = []
        values: list[str] = []
        while lines[index] != "]":
            line = lines[index]
            index += 1
            if guard := ENTRY_GUARD.match(line):
                values = options.parse_condition(guard.group(1))
            elif line == ENTRY_ENDIF:
                values = []
            elif line.startswith("    {"):
                entries.append((values, line))
            else:
                raise SystemExit(f"unexpected line in the project's lock entry: {line!r}")
        index += 1
        items.append((table, key, entries))
    return items


def format_entry(items: Entry, options: Options) -> str:
    out: list[str] = []
    table = ""
    for item_table, key, value in items:
        if item_table != table:
            if table:
                out.append("")
            out.append(item_table)
            table = item_table
        if isinstance(value, str):
            out.append(f"{key} = {value}")
            continue
        if item_table in (METADATA, REQUIRES_DEV) and len(value) < 2 and not any(v for v, _ in value):
            out.append(f"{key} = [{value[0][1].strip().rstrip(',')}]" if value else f"{key} = []")
            continue
        out.append(f"{key} = [")
        for values, line in value:
            if values:
                out.extend([f"    {{% if {options.condition(values)} %}}", line, ENTRY_ENDIF])
            else:
                out.append(line)
        out.append("]")
    return "\n".join(out) + "\n"


def entry_name(line: str) -> str:
    match = re.match(r'^    \{ name = "([^"]+)"', line)
    if not match:
        raise SystemExit(f"unexpected line in the project's lock entry: {line!r}")
    return match.group(1)


def _line_key(line: str) -> tuple:
    """uv's order of an entry: by name, then extras (none first), then marker."""
    entry = tomllib.loads(f"entry = {line.strip().rstrip(',')}")["entry"]
    extras = tuple(entry.get("extra", entry.get("extras", [])))
    return entry_name(line), entry.get("version", ""), extras, entry.get("marker", ""), line


EXTRA_ONLY = re.compile(r", marker = \"extra == '(?P<extra>[^']+)'\"")
EXTRA_LAST = re.compile(r"(?<=, marker = \")(?P<rest>[^\"]+) and extra == '(?P<extra>[^']+)'(?=\")")


def strip_extra(line: str) -> tuple[str, str] | None:
    """(the line without its `extra == 'x'` marker, x), or None when it has none."""
    if match := EXTRA_ONLY.search(line):
        return line[: match.start()] + line[match.end() :], match.group("extra")
    if match := EXTRA_LAST.search(line):
        return line[: match.start()] + match.group("rest") + line[match.end() :], match.group("extra")
    if "extra ==" in line:
        raise SystemExit(f"cannot read the extra marker of {line!r}; teach scripts/relock_python.py")
    return None


def add_extra(line: str, extra: str) -> str:
    """The inverse of strip_extra."""
    if ', marker = "' in line:
        return re.sub(
            r'(?<=, marker = ")([^"]*)(?=")', lambda m: f"{m.group(1)} and extra == '{extra}'", line
        )
    return re.sub(
        r'^(    \{ name = "[^"]+"(?:, extras = \[[^\]]*\])?)',
        lambda m: f"{m.group(1)}, marker = \"extra == '{extra}'\"",
        line,
    )


def merge_entry(block: str, options: Options) -> str:
    """The union lock's project entry with each answer's extra and group merged in behind guards."""
    merged: dict[tuple[str, str], list[tuple[list[str], str]]] = {}

    def add(target: tuple[str, str], values: list[str], line: str) -> None:
        entries = merged.setdefault(target, [])
        for existing_values, existing in entries:
            if existing == line:
                if not values or not existing_values:
                    existing_values.clear()  # the base needs it: no guard
                else:
                    existing_values.extend(value for value in values if value not in existing_values)
                return
        entries.append((list(values), line))

    out: Entry = []
    for table, key, value in parse_entry(block, options):
        if isinstance(value, str):
            if (table, key) != (METADATA, "provides-extras"):
                out.append((table, key, value))
            continue
        if any(values for values, _ in value):
            raise SystemExit("the union lock's project entry has guards already")
        if table == OPTIONAL:
            target, values = (PROJECT, "dependencies"), [options.value(key, "the extra")]
        elif table in (DEV_DEPENDENCIES, REQUIRES_DEV):
            target, values = (table, DEV), [] if key == DEV else [options.value(key, "the dependency group")]
        elif (table, key) in ((PROJECT, "dependencies"), (METADATA, "requires-dist")):
            target, values = (table, key), []
        else:
            raise SystemExit(f"unexpected {key} in {table} of the project's lock entry")
        for _, line in value:
            stripped = strip_extra(line) if target == (METADATA, "requires-dist") else None
            if stripped:
                add(target, [options.value(stripped[1], "the extra")], stripped[0])
            else:
                add(target, values, line)
        if target not in [(t, k) for t, k, _ in out]:
            out.append((*target, []))
    return format_entry(
        [
            (
                table,
                key,
                value
                if isinstance(value, str)
                else sorted(merged[(table, key)], key=lambda e: _line_key(e[1])),
            )
            for table, key, value in out
        ],
        options,
    )


def split_entry(block: str, options: Options) -> str:
    """The inverse of merge_entry: guarded lines go back into the answers' extras and groups."""
    out: Entry = []
    for table, key, value in parse_entry(block, options):
        if isinstance(value, str):
            if (table, key) != (METADATA, "provides-extras"):  # written again below
                out.append((table, key, value))
            continue
        base = [line for values, line in value if not values]
        by_name: dict[str, list[str]] = {}
        for values, line in value:
            for option in values:
                by_name.setdefault(options.name(option), []).append(line)
        if (table, key) == (PROJECT, "dependencies"):
            out.append((table, key, [([], line) for line in base]))
            out.extend((OPTIONAL, name, [([], line) for line in by_name[name]]) for name in sorted(by_name))
        elif (table, key) == (METADATA, "requires-dist"):
            lines = base + [add_extra(line, name) for name, extra in by_name.items() for line in extra]
            out.append((table, key, [([], line) for line in sorted(lines, key=_line_key)]))
            if options.runtime:
                provided = ", ".join(json.dumps(name) for name in sorted(map(options.name, options.runtime)))
                out.append((table, "provides-extras", f"[{provided}]"))
        elif table in (DEV_DEPENDENCIES, REQUIRES_DEV) and key == DEV:
            groups = {DEV: base, **by_name}
            out.extend((table, name, [([], line) for line in groups[name]]) for name in sorted(groups))
        elif by_name:
            raise SystemExit(f"unexpected guard in {key} of {table} in the lock template")
        else:
            out.append((table, key, value))
    # The extras' table comes right after the entry's [[package]] table.
    order = {PROJECT: 0, OPTIONAL: 1}
    out.sort(key=lambda item: order.get(item[0], 2))
    return format_entry(out, options)


# --- reachability ---------------------------------------------------------------------


def reaching_options(lock_text: str, options: Options) -> dict[tuple[str, str, str], list[str] | None]:
    """Per (name, version, extra) of the lock: None when the base reaches it, else the answers that do.

    The extra is "" for the package itself, else one of its optional-dependencies tables.
    """
    packages = tomllib.loads(lock_text)["package"]
    by_name: dict[str, list[dict]] = {}
    for package in packages:
        by_name.setdefault(package["name"], []).append(package)

    def targets(dependency: dict) -> list[dict]:
        found = [
            package
            for package in by_name.get(dependency["name"], [])
            if all(
                dependency[field] == package.get(field)
                for field in ("version", "source")
                if field in dependency
            )
        ]
        if not found:
            raise SystemExit(f"the lock has no package for the dependency {dependency}")
        return found

    def reach(roots: list[dict]) -> set[tuple[str, str, str]]:
        seen: set[tuple[str, str, str]] = set()
        queue = deque(roots)
        while queue:
            dependency = queue.popleft()
            for package in targets(dependency):
                for extra in ["", *dependency.get("extra", [])]:
                    node = (package["name"], package.get("version", ""), extra)
                    if node in seen:
                        continue
                    seen.add(node)
                    if extra:
                        queue.extend(package.get("optional-dependencies", {}).get(extra, []))
                    else:
                        queue.extend(package.get("dependencies", []))
        return seen

    [project] = by_name[PLACEHOLDER]
    groups = project.get("dev-dependencies", {})
    extras = project.get("optional-dependencies", {})
    reached: dict[tuple[str, str, str], list[str] | None] = {
        node: None for node in reach(project.get("dependencies", []) + groups.get(DEV, []))
    }
    for value in options.values:
        name = options.name(value)
        for node in reach(extras.get(name, []) + groups.get(name, [])):
            if reached.get(node, []) is not None:
                reached.setdefault(node, []).append(value)
    return reached


# --- union lock <-> template ----------------------------------------------------------


def guard_extras(block: str, key: tuple[str, str], reached, options: Options) -> str:
    """Guard the optional-dependencies tables of a package that fewer answers reach than the package.

    uv refuses a lock whose entries name a package it does not hold, and writes a
    package's extras only when something uses them.
    """
    lines = block.rstrip("\n").split("\n")
    if "[package.optional-dependencies]" not in lines:
        return block
    start = lines.index("[package.optional-dependencies]")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("[")), len(lines))
    if end < len(lines):
        end -= 1  # the blank line before the next table
    package = reached[(*key, "")]
    arrays: list[tuple[int, int, list[str] | None]] = []
    index = start + 1
    while index < end:
        extra = lines[index].split(" = ", 1)[0]
        last = index if lines[index].endswith("]") else lines.index("]", index)
        if (*key, extra) not in reached:
            raise SystemExit(f"nothing in the project reaches the extra {extra!r} of {key} in the union lock")
        arrays.append((index, last, reached[(*key, extra)]))
        index = last + 1
    if any(values is None for _, _, values in arrays):
        table = None
    else:
        table = [value for value in options.values if any(value in values for _, _, values in arrays)]
    out = list(lines)
    # Insert from the end so the indexes above stay valid.
    if table is not None and table != package:
        out[end:end] = [BLOCK_ENDIF]
    for first, last, values in reversed(arrays):
        if values != table:
            out[last + 1 : last + 1] = [BLOCK_ENDIF]
            out[first:first] = [f"{{% if {options.condition(values)} %}}"]
    if table is not None and table != package:
        # The guard takes the blank line before the table along.
        out[start - 1 : start - 1] = [f"{{% if {options.condition(table)} %}}"]
    return "\n".join(out) + "\n"


def to_template(lock: str, options: Options) -> str:
    if "{{" in lock or "{%" in lock or "{#" in lock:
        raise SystemExit("uv.lock contains Jinja delimiters; wrap it in {% raw %} first.")
    reached = reaching_options(lock, options)
    header, blocks = split_lock(lock)
    parts = [header]
    for block in blocks:
        if is_project(block):
            parts.append("\n" + merge_entry(block, options))
            continue
        package = tomllib.loads(block)["package"][0]
        key = (package["name"], package.get("version", ""))
        if (*key, "") not in reached:
            raise SystemExit(f"nothing in the project reaches {key} in the union lock")
        block = guard_extras(block, key, reached, options)
        if reached[(*key, "")] is None:
            parts.append("\n" + block)
        else:
            # The guard takes the blank line before the block along, so a left-out block leaves none behind.
            parts.append(f"{{% if {options.condition(reached[(*key, '')])} %}}\n\n{block}{BLOCK_ENDIF}\n")
    templated = "".join(parts).replace(PLACEHOLDER, "{{ project_slug }}")
    return templated.replace(PLACEHOLDER_SNAKE, "{{ project_slug | snake }}")


def to_lock(template: str, options: Options) -> str:
    """The union lock the template was made from."""
    text = template.replace("{{ project_slug | snake }}", PLACEHOLDER_SNAKE)
    text = text.replace("{{ project_slug }}", PLACEHOLDER)
    kept = []
    for line in text.split("\n"):
        if guard := BLOCK_GUARD.match(line):
            options.parse_condition(guard.group(1))
        elif line != BLOCK_ENDIF:
            kept.append(line)
    header, blocks = split_lock("\n".join(kept))
    return join_lock(header, [split_entry(b, options) if is_project(b) else b for b in blocks])


def render_lock(template: str, chosen: list[str]) -> str:
    """The lock a project with these `options` gets (copier's whitespace settings, see copier.yml)."""
    environment = jinja2.Environment(
        keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined
    )
    environment.filters["snake"] = lambda name: name.replace("-", "_")
    return environment.from_string(template).render(project_slug=PLACEHOLDER, options=chosen)


# --- commands -------------------------------------------------------------------------


def uv(project: Path, *arguments: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": os.environ.get("UV_PYTHON_DOWNLOADS", "never")}
    return subprocess.run(
        ["uv", *arguments], cwd=project, env=env, check=False, capture_output=True, text=True
    )


def relock(project: Path, options: Options, check: bool, upgrade: bool) -> int:
    write_union_pyproject(project, options)
    lock_path = project / "uv.lock"
    current = LOCK_TEMPLATE.read_text() if LOCK_TEMPLATE.exists() else None
    if current is not None and not upgrade:
        lock_path.write_text(to_lock(current, options))
    result = uv(project, "lock", *(["--check"] if check else []), *(["--upgrade"] if upgrade else []))
    sys.stderr.write(result.stderr)
    if result.returncode != 0:
        print("uv.lock is stale: run scripts/relock_python.py" if check else "uv lock failed")
        return 1
    union = lock_path.read_text()
    templated = to_template(union, options)
    if to_lock(templated, options) != union:
        raise SystemExit("the lock template does not give the union lock back; fix scripts/relock_python.py")
    if check:
        if templated != current:
            print("the lock template is not what scripts/relock_python.py makes of it: run it")
            return 1
        print("uv.lock is current")
        return 0
    if templated == current:
        print(f"{LOCK_TEMPLATE.relative_to(ROOT)} is unchanged")
        return 0
    LOCK_TEMPLATE.write_text(templated)
    print(f"wrote {LOCK_TEMPLATE.relative_to(ROOT)}")
    return 0


def verify(project: Path, stacks) -> int:
    """Check the rendered lock of every combination of the answers that add packages.

    Copier may not offer some of them yet, so this renders the two templates itself.
    Each lock must pass `uv lock --check`, and a new resolution (which prefers the
    locked versions) must give the same packages: `uv lock --check` alone would
    accept packages that nothing needs.
    """
    options = Options(stacks.STACKS["python"])
    questions = yaml.safe_load((ROOT / "copier.yml").read_text())
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    per_question = []
    for question in OPTION_QUESTIONS:
        offered = [c["value"] if isinstance(c, dict) else c for c in questions[question]["choices"].values()]
        # The default answer, and every answer that adds packages, offered by copier yet or not.
        per_question.append(
            list(dict.fromkeys([answers[question], *(v for v in offered if v in options.values)]))
        )
    missing = set(options.values) - {value for values in per_question for value in values}
    if missing:
        raise SystemExit(f"packages for answers that no question has: {sorted(missing)}")
    environment = jinja2.Environment(keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    environment.filters["snake"] = lambda name: name.replace("-", "_")
    pyproject = environment.from_string(PYPROJECT_TEMPLATE.read_text())
    template = LOCK_TEMPLATE.read_text()
    context = {**answers, "project_slug": PLACEHOLDER, "stack": stacks.facts_for("python", PLACEHOLDER)}
    failures = 0
    for chosen in map(list, itertools.product(*per_question)):
        (project / "pyproject.toml").write_text(pyproject.render(**context, options=chosen))
        rendered = render_lock(template, chosen)
        (project / "uv.lock").write_text(rendered)
        problem = ""
        check = uv(project, "lock", "--check")
        if check.returncode != 0:
            problem = "uv lock --check fails:\n" + check.stderr
        else:
            again = uv(project, "lock", "--upgrade-package", PLACEHOLDER)
            relocked = (project / "uv.lock").read_text()
            if again.returncode != 0:
                problem = "uv lock fails:\n" + again.stderr
            elif _packages(relocked) != _packages(rendered):
                problem = "a new resolution locks other packages:\n" + "".join(
                    difflib.unified_diff(
                        rendered.splitlines(True), relocked.splitlines(True), "template", "uv"
                    )
                )
            elif relocked != rendered:
                print(f"note {chosen}: uv writes the same packages differently:")
                print(
                    "".join(difflib.unified_diff(rendered.splitlines(True), relocked.splitlines(True), n=1))
                )
        print(f"{'FAIL' if problem else 'ok  '} {chosen}: {len(_packages(rendered))} packages")
        if problem:
            failures += 1
            print(problem)
    return 1 if failures else 0


def _packages(lock: str) -> set[tuple[str, str]]:
    return {(package["name"], package.get("version", "")) for package in tomllib.loads(lock)["package"]}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--upgrade", action="store_true", help="let uv take newer versions")
    parser.add_argument("--check", action="store_true", help="only report whether the lock is current")
    parser.add_argument(
        "--verify", action="store_true", help="check the lock of every combination of answers"
    )
    args = parser.parse_args()

    if shutil.which("uv") is None:
        raise SystemExit("uv is not on PATH")
    stacks = load_stacks()
    with tempfile.TemporaryDirectory(prefix="relock-") as tmp:
        project = Path(tmp) / PLACEHOLDER
        render(project)
        if args.verify:
            return verify(project, stacks)
        return relock(project, Options(stacks.STACKS["python"]), args.check, args.upgrade)


if __name__ == "__main__":
    sys.exit(main())
