"""Grafana Alloy's configuration syntax, read into blocks and values for the wiring checks and the
live log test (no Alloy binary builds from the Go module proxy, so its own parser is not at hand).

The subset the generated config uses: blocks (`name "label" { ... }`), attributes (`key = value`),
strings, numbers, booleans, lists, objects and references to other components' exports
(`loki.write.loki.receiver`). Anything else (function calls, operators) is refused, so a config
that outgrows this reader fails its check instead of being half read.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

_TOKEN = re.compile(
    r"""
    (?P<space>\s+|//[^\n]*|/\*.*?\*/)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<punct>[{}\[\]=,])
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Ref:
    """A reference to another component's export, e.g. `discovery.docker.compose.targets`."""

    path: str


@dataclass
class Block:
    name: str
    label: str | None = None
    attributes: dict = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)

    def children(self, name: str) -> list[Block]:
        return [block for block in self.blocks if block.name == name]

    def one(self, name: str) -> Block:
        found = self.children(name)
        assert len(found) == 1, f"{self.name} has {len(found)} {name} blocks, expected one"
        return found[0]


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        assert match, f"Alloy syntax this reader does not know at: {text[position : position + 40]!r}"
        kind = match.lastgroup
        if kind != "space":
            tokens.append((kind, match.group()))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.index = 0

    def peek(self, offset: int = 0) -> tuple[str, str] | None:
        at = self.index + offset
        return self.tokens[at] if at < len(self.tokens) else None

    def take(self, value: str | None = None, kind: str | None = None) -> str:
        token = self.peek()
        assert token is not None, f"Alloy config ends early, expected {value or kind}"
        assert (value is None or token[1] == value) and (kind is None or token[0] == kind), (
            f"expected {value or kind}, found {token[1]!r}"
        )
        self.index += 1
        return token[1]

    def body(self, closing: str | None) -> Block:
        block = Block(name="")
        while self.peek() is not None and self.peek()[1] != closing:
            name = self.take(kind="name")
            if self.peek() and self.peek()[1] == "=":
                self.take("=")
                assert name not in block.attributes, f"attribute {name} set twice"
                block.attributes[name] = self.value()
                continue
            label = json.loads(self.take(kind="string")) if self.peek()[0] == "string" else None
            self.take("{")
            child = self.body("}")
            self.take("}")
            child.name, child.label = name, label
            block.blocks.append(child)
        return block

    def value(self):
        kind, text = self.peek()
        if text == "[":
            self.take("[")
            items = []
            while self.peek()[1] != "]":
                items.append(self.value())
                if self.peek()[1] == ",":
                    self.take(",")
            self.take("]")
            return items
        if text == "{":
            self.take("{")
            items = {}
            while self.peek()[1] != "}":
                key_kind, key = self.peek()
                self.take()
                items[json.loads(key) if key_kind == "string" else key] = (self.take("="), self.value())[1]
                if self.peek()[1] == ",":
                    self.take(",")
            self.take("}")
            return items
        self.take()
        if kind == "string":
            return json.loads(text)
        if kind == "number":
            return float(text) if "." in text else int(text)
        assert kind == "name", f"unexpected {text!r} where a value belongs"
        return {"true": True, "false": False, "null": None}.get(text, Ref(text))


def parse(text: str) -> Block:
    """The config as a root block whose children are its components."""
    parser = _Parser(text)
    root = parser.body(None)
    assert parser.peek() is None, f"unexpected {parser.peek()[1]!r} after the last component"
    return root


def load(path: Path) -> dict[str, Block]:
    """The components of an Alloy config file by `name.label` (`loki.write.loki`)."""
    components: dict[str, Block] = {}
    for block in parse(path.read_text(encoding="utf-8")).blocks:
        key = f"{block.name}.{block.label}"
        assert key not in components, f"component {key} defined twice"
        components[key] = block
    return components


def export_owner(ref: Ref, components: dict[str, Block], export: str) -> Block:
    """The component whose `export` (`receiver`, `targets`, `rules`) `ref` names; fails when none does."""
    assert isinstance(ref, Ref), f"expected a reference to a component's {export}, got {ref!r}"
    owner, _, name = ref.path.rpartition(".")
    assert name == export, f"{ref.path} is not a component's {export}"
    assert owner in components, f"{ref.path} names no component of the config"
    return components[owner]
