"""The committed stubs are what the documented command generates from the .proto today."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GENERATED = ("dialogue_pb2.py", "dialogue_pb2.pyi", "dialogue_pb2_grpc.py")


def documented_command() -> list[str]:
    docs = (ROOT / "docs" / "grpc.md").read_text(encoding="utf-8")
    line = re.search(r"^python -m grpc_tools\.protoc .*$", docs, re.M)
    assert line, "docs/grpc.md must show the command that generates the stubs"
    return [sys.executable, *shlex.split(line[0])[1:]]


def test_the_stubs_match_the_proto(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "proto", tmp_path / "proto")
    (tmp_path / "dialogue" / "v1").mkdir(parents=True)
    subprocess.run(documented_command(), cwd=tmp_path, check=True, capture_output=True)
    for name in GENERATED:
        fresh = (tmp_path / "dialogue" / "v1" / name).read_text(encoding="utf-8")
        committed = (ROOT / "dialogue" / "v1" / name).read_text(encoding="utf-8")
        assert fresh == committed, f"dialogue/v1/{name} is out of date: run the command in docs/grpc.md"


def test_the_check_sees_a_changed_proto(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "proto", tmp_path / "proto")
    proto = tmp_path / "proto" / "dialogue" / "v1" / "dialogue.proto"
    proto.write_text(proto.read_text(encoding="utf-8").replace("bool replayed = 12;", "bool replayed = 99;"))
    subprocess.run(documented_command(), cwd=tmp_path, check=True, capture_output=True)
    fresh = (tmp_path / "dialogue" / "v1" / "dialogue_pb2.py").read_text(encoding="utf-8")
    assert fresh != (ROOT / "dialogue" / "v1" / "dialogue_pb2.py").read_text(encoding="utf-8")
