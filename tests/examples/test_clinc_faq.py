"""The study domain examples/clinc_faq/make.py writes (BENCHMARKS.md, "An FAQ answer from the NLU's own pass"): a
valid domain whose FAQ is 50 CLINC150 intents, with the held-out questions the study measures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dialogue.domains import load_domain
from dialogue.domains.loader import check_domain

ROOT = Path(__file__).parents[2]
CLINC = ROOT.parent / "shared" / "data" / "clinc150"


@pytest.mark.skipif(not CLINC.exists(), reason="the shared CLINC150 data is not next to the project")
def test_the_study_domain_is_valid_and_holds_the_questions(tmp_path: Path) -> None:
    for out, given in (("head", []), ("search", ["--model-threshold", "1"])):
        subprocess.run([sys.executable, str(ROOT / "examples" / "clinc_faq" / "make.py"), str(CLINC),
                        str(tmp_path / out), *given], check=True)
        assert check_domain(tmp_path / out / "clinc_faq.yaml") == []
    head, search = (load_domain(tmp_path / out / "clinc_faq.yaml") for out in ("head", "search"))
    assert len(head.knowledge.faq) == 50 and all(len(entry.phrasings) == 10 for entry in head.knowledge.faq)
    assert head.knowledge.model_threshold == 0.8 and search.knowledge.model_threshold == 1.0
    asked = {entry.id for entry in head.knowledge.faq}
    answerable = [question for question in head.questions if question.expect is not None]
    assert len(head.questions) == 3000 and len(answerable) == 1500
    assert {question.expect for question in answerable} == asked
    assert head.knowledge.faq == search.knowledge.faq and head.questions == search.questions
