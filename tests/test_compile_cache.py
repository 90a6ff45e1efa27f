"""extensions/compile_cache.py: a source is compiled once per process and kept on disk for the
next, and only shared where the compiled code would be the same."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest
from jinja2 import DictLoader, Environment

from tests.helpers.facts import TEMPLATE_ROOT


def load_extension(directory: Path = TEMPLATE_ROOT / "extensions"):
    spec = importlib.util.spec_from_file_location("compile_cache_under_test", directory / "compile_cache.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def cache_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def compiles(monkeypatch: pytest.MonkeyPatch, cache_home: Path) -> list[str]:
    """The sources Jinja really compiled, in order; the process-wide memo and the disk start empty."""
    load_extension()._memo().clear()
    seen: list[str] = []
    original = Environment.compile

    def counting(self, source, *args, **kwargs):
        seen.append(source)
        return original(self, source, *args, **kwargs)

    monkeypatch.setattr(Environment, "compile", counting)
    return seen


def environment(extension_module, **options) -> Environment:
    loader = DictLoader({"page.txt": "{% for n in range(2) %}{{ n }}{% endfor %}"})
    return Environment(loader=loader, extensions=[extension_module.CompiledTemplates], **options)


def test_each_source_is_compiled_once_across_environments(compiles: list[str]):
    first, second = environment(load_extension()), environment(load_extension())
    assert first.from_string("Hello {{ name }}").render(name="a") == "Hello a"
    assert second.from_string("Hello {{ name }}").render(name="b") == "Hello b"
    assert first.get_template("page.txt").render() == second.get_template("page.txt").render() == "01"
    assert compiles.count("Hello {{ name }}") == 1
    assert len(compiles) == 2


def test_shared_code_reports_its_own_file(compiles: list[str]):
    source = "{% block body %}{{ 1 // zero }}{% endblock %}"
    first, second = environment(load_extension()), environment(load_extension())
    first.compile(source, "t", "/first/t")
    code = second.compile(source, "t", "/second/t")
    assert len(compiles) == 1
    nested = [const for const in code.co_consts if hasattr(const, "co_filename")]
    assert nested, "a block compiles to a function of its own"
    assert {code.co_filename, *(const.co_filename for const in nested)} == {"/second/t"}


def test_environments_that_parse_differently_do_not_share(compiles: list[str]):
    source = "{% if true %}\n  x\n{% endif %}"
    plain = environment(load_extension()).from_string(source).render()
    trimmed = environment(load_extension(), trim_blocks=True).from_string(source).render()
    assert (plain, trimmed) == ("\n  x\n", "  x\n")
    assert len(compiles) == 2


def test_other_extension_code_does_not_share(compiles: list[str], tmp_path: Path):
    # A filter applied to a constant is folded into the compiled code, so a release whose
    # extensions differ must compile its own.
    other = tmp_path / "extensions"
    shutil.copytree(TEMPLATE_ROOT / "extensions", other)
    (other / "naming.py").write_text((other / "naming.py").read_text() + "\n# changed\n")
    environment(load_extension()).from_string("{{ 'x' | upper }}").render()
    environment(load_extension(other)).from_string("{{ 'x' | upper }}").render()
    assert len(compiles) == 2


def new_process(module) -> None:
    """What a later `copier` command starts with: no memo, the disk as it was left."""
    module._memo().clear()


def test_a_later_process_loads_the_code_from_disk(compiles: list[str]):
    module = load_extension()
    assert environment(module).get_template("page.txt").render() == "01"
    new_process(module)
    assert environment(load_extension()).get_template("page.txt").render() == "01"
    assert len(compiles) == 1


def test_a_damaged_file_is_compiled_again(compiles: list[str], cache_home: Path):
    module = load_extension()
    environment(module).from_string("Hello {{ name }}").render(name="a")
    (stored,) = cache_home.rglob("*.code")
    stored.write_bytes(stored.read_bytes()[:10])
    new_process(module)
    assert environment(module).from_string("Hello {{ name }}").render(name="b") == "Hello b"
    assert len(compiles) == 2


def test_a_directory_others_can_write_to_is_not_trusted(compiles: list[str], cache_home: Path):
    module = load_extension()
    environment(module).from_string("Hello {{ name }}").render(name="a")
    (stored,) = cache_home.rglob("*.code")
    stored.parent.chmod(0o777)
    new_process(module)
    environment(module).from_string("Hello {{ name }}").render(name="b")
    assert len(compiles) == 2, "code written by another user must not be executed"
