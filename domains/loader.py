"""Load a domain file: YAML with positions, then the schema, then cross-references.

Every problem is collected and reported with file:line:column and a hint; a domain
with errors raises DomainError, one with only warnings loads.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from dialogue.domains.builtin import ASK_INTENT, BUILTIN_INTENTS, BUILTIN_RESPONSES
from dialogue.domains.errors import DomainError, Problem, did_you_mean
from dialogue.domains.references import ReferenceChecker, ToolLister, check_tests
from dialogue.domains.schema import ConversationFile, Domain, Intent, Variation
from dialogue.domains.schema.actions import ACTION_KINDS
from dialogue.domains.schema.keys import keys_at
from dialogue.domains.schema.slots import SlotSpec
from dialogue.domains.source import Located, YamlPath, read_yaml

BUNDLED = Path(__file__).parent
TESTS_SUFFIX = ".tests.yaml"


def load_domain(source: str | Path) -> Domain:
    """The domain at `source` (a path or a bundled domain's name), built-ins included.

    Raises DomainError listing every error; warnings do not stop loading.
    """
    path = resolve_domain_path(source)
    domain, problems = _load(path)
    if domain is None or any(p.severity == "error" for p in problems):
        raise DomainError(problems)
    if path != BUNDLED / f"{domain.name}.yaml":
        domain._argument = str(path)
    return domain


def check_domain(source: str | Path, list_tools: ToolLister | None = None) -> list[Problem]:
    """Every problem in a domain file and its tests, warnings included; with `list_tools`, its tool calls are
    checked against what its MCP servers offer."""
    try:
        problems = _load(resolve_domain_path(source), list_tools)[1]
    except DomainError as err:
        problems = err.problems
    return sorted(problems, key=lambda p: (p.file, p.line, p.column))


def resolve_domain_path(source: str | Path) -> Path:
    """A domain path as given, or the path of a bundled domain named like `restaurant`."""
    path = Path(source)
    if not path.exists() and path.suffix == "" and (BUNDLED / f"{path.name}.yaml").exists():
        return BUNDLED / f"{path.name}.yaml"
    return path


def bundled_domains() -> list[Path]:
    return sorted(p for p in BUNDLED.glob("*.yaml") if not p.name.endswith(TESTS_SUFFIX))


def domain_of(path: Path) -> Path:
    """The domain file a path stands for: itself, or the domain of a sibling tests file."""
    return path.with_name(path.name.removesuffix(TESTS_SUFFIX) + ".yaml") if path.name.endswith(TESTS_SUFFIX) else path


def tests_path(domain_path: Path) -> Path:
    """Where a domain's sibling tests file lives."""
    return domain_path.with_name(domain_path.name.removesuffix(".yaml").removesuffix(".yml") + TESTS_SUFFIX)


def _load(path: Path, list_tools: ToolLister | None = None) -> tuple[Domain | None, list[Problem]]:
    located = read_yaml(path)
    domain, problems = _validate(Domain, located, "a domain file is a mapping with `version: 1`, `name`, and more")
    if domain is None:
        return None, problems
    domain._folder = path.resolve().parent
    problems = ReferenceChecker(domain, located, list_tools).check()
    test_names: dict[str, tuple[str, int]] = {}
    problems += check_tests(domain, domain.tests, located, ("tests",), test_names)
    sibling = tests_path(path)
    if sibling.exists():
        tests_located = read_yaml(sibling)
        tests, schema_problems = _validate(ConversationFile, tests_located,
                                           "a tests file holds a `tests` list, or `questions`")
        if tests is None:
            return None, problems + schema_problems
        problems += check_tests(domain, tests.tests, tests_located, ("tests",), test_names)
        domain = domain.model_copy(update={"tests": domain.tests + tests.tests,
                                           "questions": domain.questions + tests.questions})
    return with_builtins(domain), problems


def _validate(model: type[BaseModel], located: Located, shape: str) -> tuple[Any, list[Problem]]:
    """The validated model, or None and the schema problems (one per position)."""
    if not isinstance(located.data, dict):
        return None, [located.problem((), "expected a mapping at the top of the file", shape)]
    try:
        return model.model_validate(located.data), []
    except ValidationError as err:
        problems: dict[tuple[int, int], Problem] = {}
        for error in err.errors():
            problem = _schema_problem(model, error, located)
            problems.setdefault((problem.line, problem.column), problem)
        return None, list(problems.values())
    except RecursionError:
        return None, [located.problem((), "the file nests too deeply to check", shape)]


def _schema_problem(model: type[BaseModel], error: dict, located: Located) -> Problem:
    path = _yaml_path(error["loc"], located)
    kind, message = error["type"], error["msg"].removeprefix("Value error, ")
    last = path[-1] if path else ""
    ctx = error.get("ctx") or {}
    if kind == "extra_forbidden":
        allowed = keys_at(model, error["loc"][:-1])
        hint = did_you_mean(str(last), _FIELD_NAMES) if allowed is None else did_you_mean(str(last), allowed, 99)
        return located.problem(path, f"unknown key '{last}'", hint, key=True)
    if kind == "missing":
        field = error["loc"][-1]
        return located.problem(path, f"missing required key '{field}'", f"add `{field}:` here")
    if kind == "union_tag_invalid":
        tag, expected = ctx.get("tag", "?"), ctx.get("expected_tags", "")
        if ctx.get("discriminator") == "action_kind()":
            return located.problem(path, f"unknown action '{tag}'", did_you_mean(str(tag), ACTION_KINDS))
        choices = [t.strip(" '") for t in str(expected).split(",")]
        return located.problem(path, f"unknown {ctx.get('discriminator', 'kind').strip(chr(39))} '{tag}'",
                               did_you_mean(str(tag), choices))
    if kind == "union_tag_not_found":
        if ctx.get("discriminator") == "action_kind()":
            return located.problem(path, "an action is a mapping with exactly one key, the action's kind",
                                   "e.g. `- respond: greet` or `- set_slot: {party_size: 2}`")
        return located.problem(path, f"missing key {ctx.get('discriminator', '')}", "say which kind this is")
    if kind == "string_pattern_mismatch" and "a-z" in str(ctx.get("pattern", "")):
        return located.problem(path, f"'{error.get('input')}' is not a valid name",
                               "use lower-case letters, digits and underscores, starting with a letter")
    return located.problem(path, message, _HINTS.get(kind, ""))


_HINTS = {
    "model_type": "expected a mapping here",
    "list_type": "expected a list here (items starting with '- ')",
    "dict_type": "expected a mapping here (key: value lines)",
    "string_type": "expected text here; quote it if it looks like a number or true/false",
    "literal_error": "use one of the values listed",
    "int_parsing": "expected a whole number",
}


def _yaml_path(loc: tuple, located: Located) -> YamlPath:
    """Map a pydantic error location onto the YAML path.

    Pydantic adds union-branch labels (`frame`, `slot`, `respond`...) that may or may not be
    YAML keys too, so both readings are tried; a path that exists in the file wins.
    """

    def known(path: YamlPath) -> bool:
        return path in located.values or path in located.keys

    def best(path: YamlPath, index: int) -> YamlPath:
        if index == len(loc):
            return path
        candidate = path + (loc[index],)
        options = [best(candidate, index + 1)] if known(candidate) or index == len(loc) - 1 else []
        options.append(best(path, index + 1))
        return max(options, key=lambda p: (known(p), bool(p) and p[-1] == loc[-1], len(p)))

    return best((), 0)


def _field_names(model: Any, seen: set) -> set[str]:
    names: set[str] = set()
    for cls in getattr(model, "__args__", ()) or ():
        names |= _field_names(cls, seen)
    metadata = getattr(model, "__metadata__", None)
    if metadata is not None:
        names |= _field_names(model.__origin__, seen)
    if isinstance(model, type) and issubclass(model, BaseModel) and model not in seen:
        seen.add(model)
        for name, field in model.model_fields.items():
            names.add(field.alias or name)
            names |= _field_names(field.annotation, seen)
    return names


_FIELD_NAMES = _field_names(Domain, set()) | _field_names(SlotSpec, set())


def with_builtins(domain: Domain) -> Domain:
    """Add the built-in intents (a domain's own examples extend them) and default responses; a domain with an FAQ
    gets the `ask` intent, the FAQ's questions its examples."""
    intents = {name: Intent(examples=list(examples)) for name, examples in BUILTIN_INTENTS.items()}
    if domain.knowledge.faq:
        intents[ASK_INTENT] = Intent(examples=[text for entry in domain.knowledge.faq for text in entry.phrasings])
    for name, intent in domain.intents.items():
        base = intents.get(name)
        intents[name] = intent if base is None else Intent(
            description=intent.description, examples=base.examples + intent.examples)
    responses = {name: [Variation(text=text)] for name, text in BUILTIN_RESPONSES.items()}
    responses.update(domain.responses)
    return domain.model_copy(update={"intents": intents, "responses": responses})
