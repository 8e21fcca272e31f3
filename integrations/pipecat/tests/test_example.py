"""example.py's text mode against the real server: a call typed at the terminal."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from test_phone_call import BALANCE, BILLING, GREETING, MAIN_MENU

EXAMPLE = Path(__file__).resolve().parents[1] / "example.py"


def test_the_example_takes_a_call_in_text_mode(engine) -> None:
    typed = "I've got a question about my bill\n:dtmf 1\n:dtmf x\n:quit\n"
    done = subprocess.run([sys.executable, str(EXAMPLE), "text", engine.target, "telco_ivr", "--user", "tester"],
                          input=typed, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f"bot> {GREETING} {MAIN_MENU}", f"bot> {BILLING}", f"bot> {BALANCE}",
                                        "keys are 0-9, * and #"]
