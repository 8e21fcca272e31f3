"""Serving imports ONNX Runtime, not torch (nor transformers)."""

from __future__ import annotations

import json
import subprocess
import sys

SCRIPT = """
import datetime, json, sys
from pathlib import Path
from dialogue.domains import load_domain
from dialogue.nlu.understander import Understander
from dialogue.engine import Engine
domain = load_domain("restaurant")
nlu = Understander.for_domain(domain, Path(sys.argv[1]))
engine = Engine(domain, nlu=nlu)
result = engine.handle("s", "book a table for two", now=datetime.datetime(2026, 11, 25, 10))
print(json.dumps({"torch": "torch" in sys.modules, "transformers": "transformers" in sys.modules,
                  "provider": nlu.model.provider, "quantized": nlu.model.quantized,
                  "source": result.understood.source}))
"""


def test_no_torch_at_serve_time(tiny_model) -> None:
    root, _ = tiny_model
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(root)], capture_output=True, text=True, check=True)
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen == {"torch": False, "transformers": False, "provider": "CPUExecutionProvider", "quantized": True,
                    "source": "nlu"}


def test_the_engine_its_server_and_the_cli_import_no_torch() -> None:
    """Without an NLU model in the way: the engine's name lookups read spaCy's stop words, and spaCy's thinc imports
    torch wherever it is installed unless kept from it."""
    done = subprocess.run([sys.executable, "-c", "import sys, dialogue.engine, dialogue.server.app, dialogue.cli; "
                           "print(sorted({'torch', 'transformers'} & set(sys.modules)))"],
                          capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
