"""Markdown: the code blocks a README or doc page shows, and the Hub links it gives.

Prose is not read: documentation names far more models than a project uses. What is read:

- fenced code blocks (```` ``` ```` or `~~~`), by their language: Python (`python`, `py`,
  `pycon` with its `>>>` prompts), shell (`bash`, `sh`, `console` with `$` prompts), YAML, JSON,
  TOML, Dockerfile, Modelfile. Each goes through the finder for its kind, lines counted in
  the Markdown file. A block that does not parse (documentation often elides code) is read
  for Hub URLs only: it is not an error in the project.
- Hub model URLs outside code blocks: links, autolinks, bare URLs.

Every reference found here has `detail` `("markdown", "code:<language>" | "link")`.
`discover --check` reports them as notes, not problems (a doc example is not a dependency),
unless `--strict`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from licscan.discover.configs import (
    find_dockerfile,
    find_json,
    find_modelfile,
    find_shell,
    find_toml,
    find_yaml,
)
from licscan.discover.model import HUB, ItemError, Location, Reference
from licscan.discover.python import find_python
from licscan.discover.values import hub_urls

Finder = Callable[[str, str], tuple[list[Reference], list[ItemError]]]
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*([\w+.#-]*)")
_PROMPTS = {"pycon": re.compile(r"^(>>>|\.\.\.) ?"), "console": re.compile(r"^\$ ")}
_FINDERS: dict[str, Finder] = {
    "python": find_python, "py": find_python, "python3": find_python, "ipython": find_python,
    "pycon": find_python, "bash": find_shell, "sh": find_shell, "shell": find_shell,
    "zsh": find_shell, "console": find_shell, "shell-session": find_shell,
    "yaml": find_yaml, "yml": find_yaml, "json": find_json, "toml": find_toml,
    "dockerfile": find_dockerfile, "docker": find_dockerfile, "modelfile": find_modelfile,
}


def find_markdown(text: str, file: str) -> tuple[list[Reference], list[ItemError]]:
    refs: list[Reference] = []
    lines = text.splitlines()
    fence: str | None = None
    language = ""
    block: list[str] = []
    start = 0
    for number, line in enumerate(lines, start=1):
        if fence is None:
            opening = _FENCE.match(line)
            if opening:
                fence, language, block, start = opening.group(1), opening.group(2).lower(), [], \
                    number
                continue
            refs += [Reference(HUB, named.value, Location(file, number, column + 1),
                               "markdown-link", named.revision, named.subfolder,
                               detail=(("markdown", "link"),))
                     for column, named in hub_urls(line)]
        elif line.strip().startswith(fence[0] * len(fence)) \
                and not line.strip().strip(fence[0]):
            refs += _block(block, language, file, start)
            fence = None
        else:
            block.append(line)
    if fence is not None:  # an unclosed block runs to the end of the file
        refs += _block(block, language, file, start)
    return refs, []


def _block(lines: list[str], language: str, file: str, start: int) -> list[Reference]:
    prompt = _PROMPTS.get(language)
    if prompt is not None:  # keep only the typed lines; output lines become blank
        lines = [prompt.sub("", line) if prompt.match(line) else "" for line in lines]
    code = "\n".join(lines) + "\n"
    finder = _FINDERS.get(language)
    found, errors = finder(code, file) if finder is not None else ([], [])
    detail = ("markdown", f"code:{language or 'plain'}")
    if finder is None or errors:  # not a language read here, or it does not parse
        found = [Reference(HUB, named.value, Location(file, number, column + 1),
                           "hub-url", named.revision, named.subfolder)
                 for number, line in enumerate(lines, start=1)
                 for column, named in hub_urls(line)]
    return [replace(ref, origin=Location(file, (ref.origin.line or 1) + start,
                                         ref.origin.column),
                    detail=(*ref.detail, detail)) for ref in found]
