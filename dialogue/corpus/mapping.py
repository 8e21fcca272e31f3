"""How a dataset's intents, dialogue acts and slots read as a domain's: declared by the domain's author in a small
YAML file, so that the measurement says what the mapping says and nothing is guessed.

```yaml
now: "2019-03-01T12:00:00"   # the dataset's today (Schema-Guided Dialogue's relative dates are from 1 March 2019)
intents: {SearchHouse: search_house, BookHouse: book_house}   # INFORM_INTENT's intents
acts:        # a user turn's intent when it informs none: the first of these acts it holds
  AFFIRM_INTENT: affirm
  SELECT: affirm
  INFORM: inform
slots: {where_to: city, number_of_adults: guests}   # the dataset's slots the domain has (others are not scored)
tasks: {BookHouse: book_house}   # intents whose conversations are replayed for task success, and their task
results: {SearchHouse: houses}   # the rows the service returned for a call, loaded into the domain's table
```

An act may be a combination, `NEGATE+THANK_YOU: goodbye`: the turn must hold each of them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dialogue.domains.schema import Domain


class MappingError(ValueError):
    """A mapping file that cannot be read, or that names what the domain does not have."""


class CorpusMapping(BaseModel):
    model_config = ConfigDict(extra="forbid")

    now: dt.datetime = Field(description="The dataset's today: relative dates (tomorrow, next Friday) are read "
                                         "from it.")
    intents: dict[str, str] = Field({}, description="The dataset's intents (INFORM_INTENT) -> the domain's.")
    acts: dict[str, str] = Field({}, description="Dialogue acts -> the domain's intent, in order: a turn that informs "
                                                 "no intent takes the first act it holds.")
    slots: dict[str, str] = Field({}, description="The dataset's slots -> the domain's.")
    tasks: dict[str, str] = Field({}, description="Transactional intents -> the domain's task that makes them.")
    results: dict[str, str] = Field({}, description="The dataset's service calls (by intent) -> the domain table "
                                                    "their result rows are loaded into before the conversation is "
                                                    "replayed (columns named as the table's, or mapped by `slots`).")

    @classmethod
    def read(cls, path: Path) -> CorpusMapping:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            return cls.model_validate(data if data is not None else {})
        except OSError as err:
            raise MappingError(f"{path}: cannot be read ({err.strerror})") from None
        except yaml.YAMLError as err:
            raise MappingError(f"{path}: not YAML: {err}") from None
        except ValidationError as err:
            first = err.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "the file"
            raise MappingError(f"{path}: {where}: {first['msg']}") from None

    def check(self, domain: Domain, path: Path) -> None:
        """MappingError naming the first intent, slot or task the domain does not have."""
        named = [("intents", intent, domain.intents) for intent in self.intents.values()]
        named += [("acts", intent, domain.intents) for intent in self.acts.values()]
        named += [("slots", slot, domain.slots) for slot in self.slots.values()]
        named += [("tasks", task, domain.tasks) for task in self.tasks.values()]
        named += [("results", table, domain.memory.tables) for table in self.results.values()]
        for section, name, known in named:
            if name not in known:
                raise MappingError(f"{path}: {section}: domain '{domain.name}' has no "
                                   f"{_KINDS[section]} '{name}'; it has "
                                   f"{', '.join(sorted(known))}")


_KINDS = {"intents": "intent", "acts": "intent", "slots": "slot", "tasks": "task", "results": "table"}
