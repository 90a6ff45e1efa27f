"""The generated nginx config (nginx=true): read as directives, and run by Debian's nginx on loopback.

The config's upstream is `app:<port>`, compose's name for the service, which nginx resolves when
it starts; outside Docker nothing resolves it. So the copy the tests run has that one `server`
line pointed at a service started on a free loopback port, and its `listen` at another free
loopback port. Everything else is the generated file, run with the command line of compose's
`nginx` service (its prefix and config path moved into a temporary directory).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

CONFIG = Path("nginx/nginx.conf")


@dataclass
class Directive:
    name: str
    args: list[str]
    children: list[Directive] = field(default_factory=list)

    def all(self, name: str) -> list[Directive]:
        """The directives called `name` directly inside this block."""
        return [child for child in self.children if child.name == name]

    def one(self, name: str, *args: str) -> Directive:
        """The one directive called `name` (whose first arguments are `args`) in this block."""
        found = [child for child in self.all(name) if child.args[: len(args)] == list(args)]
        assert len(found) == 1, (
            f"expected one `{' '.join([name, *args])}` in `{self.name}`, found {len(found)}"
        )
        return found[0]


_TOKEN = re.compile(r"""\s+|#[^\n]*|"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([{};])|([^\s{};"'#]+)""")


def parse(text: str) -> Directive:
    """nginx's config syntax: `name args;` and `name args { ... }`, quotes and comments."""
    root = Directive("main", [])
    stack = [root]
    words: list[str] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        assert match, f"cannot read the nginx config at: {text[position : position + 40]!r}"
        position = match.end()
        double, single, punctuation, word = match.groups()
        if punctuation is None:
            if word is not None or double is not None or single is not None:
                words.append(next(value for value in (word, double, single) if value is not None))
            continue
        if punctuation == "}":
            assert not words and len(stack) > 1, "unbalanced `}` in the nginx config"
            stack.pop()
            continue
        assert words, f"`{punctuation}` without a directive in the nginx config"
        directive = Directive(words[0], words[1:])
        stack[-1].children.append(directive)
        words = []
        if punctuation == "{":
            stack.append(directive)
    assert len(stack) == 1 and not words, "the nginx config ends inside a block or directive"
    return root


def load(project: Path) -> Directive:
    return parse((project / CONFIG).read_text(encoding="utf-8"))


def compose_command(project: Path) -> list[str]:
    """The command line of compose's `nginx` service."""
    compose = yaml.safe_load((project / "compose.yaml").read_text(encoding="utf-8"))
    return list(compose["services"]["nginx"]["command"])


def loopback_config(project: Path, upstream_port: int, listen_port: int) -> str:
    """The generated config with its upstream server and its listen port on loopback (see above)."""
    text = (project / CONFIG).read_text(encoding="utf-8")
    text, servers = re.subn(r"(?m)^(\s*server\s+)app:\d+;", rf"\g<1>127.0.0.1:{upstream_port};", text)
    assert servers == 1, f"expected one `server app:<port>;` in {CONFIG}, found {servers}"
    text, listens = re.subn(r"(?m)^(\s*listen\s+)\d+;", rf"\g<1>127.0.0.1:{listen_port};", text)
    assert listens == 1, f"expected one `listen <port>;` in {CONFIG}, found {listens}"
    return text


def option_index(command: list[str], flag: str) -> int:
    """Where the value of `flag` is in compose's nginx command line."""
    assert command.count(flag) == 1, f"compose's nginx command has no single {flag}: {command}"
    return command.index(flag) + 1
