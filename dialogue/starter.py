"""`dialogue init`: a new domain's folder, from the blank starter or a bundled domain.

The folder gets the domain file (named as asked, a schema modeline on top), its conversation tests, every file it
names (kept at the same relative paths), the JSON Schema editors complete it with, and a note on what to run next.
Nothing is overwritten: the whole folder is checked before anything is written, and the domain is loaded from a
scratch copy first, so what is written always validates.
"""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from dialogue.domains import Domain, DomainError, bundled_domains, load_domain
from dialogue.domains.documents import document_files
from dialogue.domains.jsonschema import SCHEMA_FILE, domain_schema
from dialogue.domains.loader import BUNDLED, tests_path
from dialogue.domains.schema.base import Name

BLANK = "blank"
STARTERS = BUNDLED / "starters"
"""The blank starter's domain and tests (package data of dialogue.domains)."""
MODELINE = f"# yaml-language-server: $schema={SCHEMA_FILE}\n"
README = "README.md"


class InitError(ValueError):
    """Nothing was written: the name or the source is wrong."""


class InTheWay(InitError):
    """Nothing was written: a file of the new domain is in the folder already."""


@dataclass(frozen=True)
class Initialised:
    written: list[Path]
    kept: list[Path]
    """Shared files (the schema, documents) already in the folder with the same content, left as they were."""
    note: str
    """What to run next: written to the README, or to be shown when the folder had one."""
    readme: Path | None


def sources() -> list[str]:
    """What `--from` takes: the blank starter and the bundled domains."""
    return [BLANK, *(path.stem for path in bundled_domains())]


def init_domain(name: str, source: str, folder: Path) -> Initialised:
    """Write the domain `name`, made from `source`, into `folder` (created if missing); InitError when it cannot."""
    files = domain_files(name, source)
    own = _own_files(name)
    kept = []
    for relative, content in files.items():
        target = folder / relative
        if target.exists() and (relative in own or not target.is_file() or target.read_bytes() != content):
            raise InTheWay(f"{target} exists; nothing was written (move it away, or choose another name or --folder)")
        if target.exists():
            kept.append(target)
    written = []
    for relative, content in files.items():
        target = folder / relative
        if target not in kept:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
            written.append(target)
    note, readme = next_steps(name, source, load_domain(folder / f"{name}.yaml")), folder / README
    if readme.exists():
        return Initialised(written, kept, note, None)
    readme.write_text(note, encoding="utf-8")
    return Initialised([*written, readme], kept, note, readme)


def domain_files(name: str, source: str) -> dict[str, bytes]:
    """Every file of the new domain, by its path relative to the folder; checked by loading them in a scratch
    folder."""
    _check_name(name)
    if source not in sources():
        raise InitError(f"--from: no starter or bundled domain named '{source}'; choose from {', '.join(sources())}")
    path = STARTERS / f"{BLANK}.yaml" if source == BLANK else BUNDLED / f"{source}.yaml"
    domain = load_domain(path)
    domain_file, tests_file = _own_files(name)
    text = _renamed_comments(path.read_text(encoding="utf-8"), domain.name, name)
    files = {
        domain_file: _with_modeline(_renamed(text, domain.name, name)),
        tests_file: _renamed_comments(tests_path(path).read_text(encoding="utf-8"), domain.name, name),
        SCHEMA_FILE: json.dumps(domain_schema(), indent=2, ensure_ascii=False) + "\n",  # as `dialogue schema`
    }
    encoded = {relative: content.encode() for relative, content in files.items()}
    encoded |= {relative.as_posix(): (domain.folder / relative).read_bytes() for relative in referenced_files(domain)}
    _check_loads(name, source, encoded)
    return encoded


def referenced_files(domain: Domain) -> list[Path]:
    """The files a domain names, relative to its folder: its services' OpenAPI documents, its knowledge documents,
    and files its MCP servers' commands run. (Python actions name registered functions, not files.) A file outside
    the domain's folder is left out: the copy names it where it is."""
    folder = domain.folder
    named = [folder / spec.openapi for spec in domain.services.values() if spec.openapi]
    named += [folder / part for server in domain.mcp_servers.values() for part in server.command or []
              if (folder / part).is_file()]
    named += document_files(domain.knowledge.documents, folder)
    inside = [path.resolve() for path in named if path.resolve().is_relative_to(folder)]
    return [path.relative_to(folder) for path in dict.fromkeys(inside)]


def next_steps(name: str, source: str, domain: Domain) -> str:
    """The README note: the commands from here to a passing test, and the tools to look inside."""
    examples = " --with-examples" if domain.services else ""
    commands = [
        (f"dialogue validate {name}.yaml", "every problem, with file:line:column and a hint"),
        (f"dialogue train {name}.yaml", "train its NLU (again only when its examples change)"),
        (f"dialogue test {name}.yaml{examples}", "run its conversation tests"),
        (f"dialogue chat {name}.yaml{examples}", "talk to it in the terminal"),
        (f"dialogue inspect {name}.yaml", "the inspector: chat in a web page and see why each turn went so"),
        (f"dialogue graph {name}.yaml -o {name}.svg", "a drawing of its tasks and states"),
    ]
    width = max(len(command) for command, _ in commands) + 2
    lines = [f"# {name}", "",
             f"A domain made with `dialogue init {name} --from {source}`: `{name}.yaml` is the assistant, "
             f"`{name}.tests.yaml` its conversation tests, and `{SCHEMA_FILE}` the schema your editor checks and "
             "completes the domain with (the format: docs/domain-format.md). Next:", "", "```",
             *(f"{command.ljust(width)}# {what}" for command, what in commands), "```"]
    if examples:
        lines += ["", "`--with-examples` starts the example services its tests call (pip extra `examples`)."]
    return "\n".join(lines) + "\n"


def _own_files(name: str) -> tuple[str, str]:
    """The new domain's file and its tests file: never in the folder before."""
    return f"{name}.yaml", tests_path(Path(f"{name}.yaml")).name


def _check_name(name: str) -> None:
    try:
        TypeAdapter(Name).validate_python(name)
    except ValidationError:
        raise InitError(f"'{name}' is not a valid domain name: use up to 64 lower-case letters, digits and "
                        "underscores, starting with a letter (e.g. coffee_shop)") from None


def _check_loads(name: str, source: str, files: dict[str, bytes]) -> None:
    """InitError when the new domain does not load (a name that makes a table name too long, say)."""
    with tempfile.TemporaryDirectory() as scratch:
        for relative, content in files.items():
            (Path(scratch) / relative).parent.mkdir(parents=True, exist_ok=True)
            (Path(scratch) / relative).write_bytes(content)
        try:
            load_domain(Path(scratch) / f"{name}.yaml")
        except DomainError as err:
            first = next(p for p in err.problems if p.severity == "error")
            raise InitError(f"'{name}' cannot name a domain made from {source}: {first.message}") from None


def _renamed(text: str, old: str, new: str) -> str:
    """The domain file with its top-level `name:` changed."""
    return re.sub(rf"^name:[ \t]*{re.escape(old)}[ \t]*$", f"name: {new}", text, count=1, flags=re.MULTILINE)


def _renamed_comments(text: str, old: str, new: str) -> str:
    """Comments that name the source's files or run commands on it (`dialogue test restaurant`) name the new
    domain's file instead."""
    command = re.compile(rf"\b(dialogue [a-z][a-z-]* ){re.escape(old)}(?:\.yaml)?(?![\w./-])")
    file = re.compile(rf"(?<![\w./-]){re.escape(old)}(\.tests)?\.yaml\b")

    def renamed(line: str) -> str:
        if not line.lstrip().startswith("#"):
            return line
        return file.sub(rf"{new}\1.yaml", command.sub(rf"\1{new}.yaml", line))

    return "".join(renamed(line) for line in text.splitlines(keepends=True))


def _with_modeline(text: str) -> str:
    """The domain file with the schema modeline as its first line (in place of any other)."""
    first, _, rest = text.partition("\n")
    return MODELINE + (rest if first.startswith("# yaml-language-server:") else text)
