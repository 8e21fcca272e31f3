"""Write a study domain for the NLU's answer head: the bundled restaurant with its FAQ made of CLINC150 intents.

    python examples/clinc_faq/make.py ../shared/data/clinc150 OUT [--model-threshold T]
    dialogue train OUT/clinc_faq.yaml --models M
    dialogue knowledge-eval OUT/clinc_faq.yaml --models M --json

50 of CLINC150's in-scope intents (drawn with seed 0) become FAQ entries of 10 of their training queries each (the
first the question, the rest paraphrases); the restaurant's own intents and tasks stay, as a real domain's would.
The held-out questions (clinc_faq.tests.yaml) are those intents' test queries (1,500), which the FAQ answers, and
500 test queries of the other intents and the 1,000 out-of-scope ones, which nothing answers. The same trained
model serves any `--model-threshold` (the threshold is not part of what training learns), so a second domain file
written with `--model-threshold 1` measures the search alone.
"""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

from ruamel.yaml import YAML

RESTAURANT = Path(__file__).resolve().parents[2] / "domains" / "restaurant.yaml"
FAQ_INTENTS, PHRASINGS, OTHERS = 50, 10, 500


def split(dataset: Path, name: str) -> list[tuple[str, str]]:
    texts = (dataset / name / "seq.in").read_text(encoding="utf-8").splitlines()
    labels = (dataset / name / "label").read_text(encoding="utf-8").splitlines()
    return list(zip(texts, labels))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--model-threshold", type=float, help="knowledge.model_threshold (default: the domain's)")
    given = parser.parse_args()
    train, test = split(given.dataset, "train"), split(given.dataset, "test")
    rng = random.Random(0)
    intents = sorted({label for _, label in train if label != "oos"})
    asked = sorted(rng.sample(intents, FAQ_INTENTS))
    faq = []
    for intent in asked:
        drawn = rng.sample([text for text, label in train if label == intent], PHRASINGS)
        faq.append({"id": intent, "question": drawn[0], "paraphrases": drawn[1:], "answer": f"About {intent}."})
    yaml = YAML()
    domain = yaml.load(RESTAURANT)
    domain["name"] = "clinc_faq"
    domain["knowledge"] = {"faq": faq}
    if given.model_threshold is not None:
        domain["knowledge"]["model_threshold"] = given.model_threshold
    domain.pop("tests", None)
    questions = [{"ask": text, "expect": label} for text, label in test if label in asked]
    others = [text for text, label in test if label not in asked and label != "oos"]
    questions += [{"ask": text, "expect": None} for text in rng.sample(others, OTHERS)]
    questions += [{"ask": text, "expect": None} for text, label in test if label == "oos"]
    given.out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(RESTAURANT.with_name("lotus.openapi.json"), given.out / "lotus.openapi.json")  # its service's
    with open(given.out / "clinc_faq.yaml", "w", encoding="utf-8") as file:
        yaml.dump(domain, file)
    with open(given.out / "clinc_faq.tests.yaml", "w", encoding="utf-8") as file:
        yaml.dump({"questions": questions}, file)


if __name__ == "__main__":
    main()
