"""README's first two commands stay true: CI runs the second, and the example script is valid."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from dialogue.cli import app

ROOT = Path(__file__).resolve().parent.parent


def commands() -> list[str]:
    return re.findall(r"```bash\n(.*?)\n```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)[:2]


def test_readme_starts_with_the_two_commands() -> None:
    main, tests = commands()
    assert "pip install" in main and "dialogue" in main
    assert "pip install" in tests and "pytest" in tests
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.index(main) < readme.index("## ")


def test_ci_runs_the_readme_test_command() -> None:
    assert commands()[1] in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_the_scripted_chat_of_the_main_command_runs_cleanly(bundled_models, monkeypatch) -> None:
    monkeypatch.delenv("LOTUS_URL")  # the command's --with-examples starts the reservation service
    script = (ROOT / "examples" / "restaurant.chat").read_text(encoding="utf-8")
    result = CliRunner().invoke(app, ["chat", "restaurant", "--models", str(bundled_models), "--with-examples"],
                                input=script)
    assert result.exit_code == 0
    assert "error:" not in result.output and "warning:" not in result.output
    assert "Your table is booked" in result.output and "is updated" in result.output


def test_the_example_in_the_format_docs_loads_and_passes_its_tests(tmp_path: Path) -> None:
    docs = (ROOT / "docs" / "domain-format.md").read_text(encoding="utf-8")
    example = re.search(r"## A complete small example\n\n```yaml\n(.*?)```", docs, re.S)[1]
    path = tmp_path / "pizza.yaml"
    path.write_text(example, encoding="utf-8")
    result = CliRunner().invoke(app, ["test", str(path)])
    assert result.exit_code == 0, result.output


def test_the_python_example_runs_in_a_project_with_folders_named_like_the_engines(bundled_models,
                                                                                   tmp_path: Path) -> None:
    """A team's project holding domains/, nlu/ and dm/ folders (the natural names) runs README's example from
    there, and the example understands free text with the model in the models folder, as `dialogue chat` does."""
    example = re.search(r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)[1]
    for name in ("domains", "nlu", "dm"):
        (tmp_path / name).mkdir()
    (tmp_path / "domains" / "shop.yaml").write_text("name: shop\n", encoding="utf-8")
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "models").symlink_to(bundled_models)
    script = example + "import json\nprint(json.dumps([result.state.active_task, result.state.slots]))\n"
    run = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                         env={**os.environ, "DIALOGUE_HOME": str(tmp_path / "home")})
    assert run.returncode == 0, run.stderr
    task, slots = json.loads(run.stdout.strip().splitlines()[-1])
    assert task == "book_table" and slots["party_size"] == 2 and slots["time"] == "20:00"
