"""Shared helpers: small domains written inline, and engines on them."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import textwrap
import time
from pathlib import Path

import pytest

from dialogue.domains import Domain, load_domain
from dialogue.engine import Engine

NOW = dt.datetime(2026, 11, 25, 10, 0)  # a Wednesday
POSTGRES_ENV = "DIALOGUE_TEST_POSTGRES_URL"
"""The PostgreSQL server the store's tests use; each test works in a schema of its own, dropped afterwards."""
CLOCK_AHEAD_ENV = "DIALOGUE_TEST_CLOCK_AHEAD_DAYS"
"""Days to move this process's wall clock ahead for the whole run (tests/test_clock.py): a test that holds only
today finds its time bomb at once, not when the date comes."""


def pytest_configure(config: pytest.Config) -> None:
    import os

    days = os.environ.get(CLOCK_AHEAD_ENV)
    if days:
        _move_the_clock(float(days))


def _move_the_clock(days: float) -> None:
    """Move the wall clock of this process ahead for the engine, its store and the tests, but not for grpc's
    transport: grpc's Python layer reckons deadlines and waits with time.time() while its C core waits on the
    real clock, so on a moved clock a channel's close or a call's deadline would wait a year."""
    import types

    import _time_machine
    import grpc._channel
    import grpc._common
    import grpc._cython.cygrpc
    import grpc._server
    import grpc._utilities
    import grpc.aio._utils
    import time_machine

    time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=days), tick=True).start()
    real_time = types.ModuleType("time")
    real_time.__dict__.update(vars(time))
    real_time.time = _time_machine.original_time
    for module in (grpc._channel, grpc._common, grpc._cython.cygrpc, grpc._server, grpc._utilities, grpc.aio._utils):
        module.time = real_time


def pytest_collection_finish(session: pytest.Session) -> None:
    """Hide what collection loaded (every test module and all it imports) from the garbage collector, as `dialogue
    serve` hides what it loaded: many tests run servers in this process and time them, and a full collection of
    all of it, which took 100 ms and more, would count as theirs."""
    import gc

    gc.collect()
    gc.freeze()


@pytest.fixture(scope="session", autouse=True)
def example_services():
    """The example services the bundled domains call (the restaurant's reservations, the bank's accounts), real
    HTTP apps on loopback for the whole run, their URLs in the environment (servers started by the tests inherit
    it)."""
    from dialogue.example_services import running

    with running() as urls:
        yield urls


@pytest.fixture(autouse=True)
def _fresh_example_services():
    """Each test starts with no bookings and every bank account as it opened."""
    from dialogue.example_services import bank, lotus

    bank.reset()
    lotus.reset()



def restaurant_files(folder: Path) -> None:
    """Put beside a copy of the bundled restaurant domain in `folder` the files it names: its service's OpenAPI
    document and its knowledge documents."""
    from dialogue.domains.loader import BUNDLED

    shutil.copy(BUNDLED / "lotus.openapi.json", folder)
    shutil.copytree(BUNDLED / "knowledge", folder / "knowledge", dirs_exist_ok=True)

@pytest.fixture
def restaurant_copy(tmp_path: Path) -> Path:
    """The bundled restaurant domain and its tests file copied into a folder of the test's, with the files they
    name (a test may then write into them)."""
    from dialogue.domains.loader import BUNDLED

    for name in ("restaurant.yaml", "restaurant.tests.yaml"):
        shutil.copy(BUNDLED / name, tmp_path / name)
    restaurant_files(tmp_path)
    return tmp_path / "restaurant.yaml"


@pytest.fixture
def write_domain(tmp_path: Path):
    """Write YAML (dedented) to a file and return its path."""

    def write(text: str, name: str = "domain.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


@pytest.fixture
def domain_from(write_domain):
    def load(text: str) -> Domain:
        return load_domain(write_domain(text))

    return load


class Conversation:
    """An engine and one session, for stepping through turns in a test."""

    def __init__(self, engine: Engine, session: str = "s1", user: str = "u1", channel: str = "text"):
        self.engine, self.session, self.user, self.channel = engine, session, user, channel

    def say(self, text: str, **options):
        return self.engine.handle(self.session, text, user_id=self.user, channel=self.channel, now=NOW, **options)

    def send(self, user_input):
        return self.engine.handle(self.session, user_input, user_id=self.user, channel=self.channel, now=NOW)


@pytest.fixture
def conversation(domain_from):
    def start(text: str, **options) -> Conversation:
        return Conversation(Engine(domain_from(text)), **options)

    return start


@pytest.fixture
def postgres_url():
    """A URL into a fresh schema of the test PostgreSQL server (skips when none is configured)."""
    import os

    from dialogue.dm.sql.scratch import scratch_schema

    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV}, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test "
                    "(.ci/run sets it)")
    with scratch_schema(url, prefix="dialogue_test") as scoped:
        yield scoped


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """The store's database, once as a SQLite file and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture(scope="session")
def tiny_encoder(tmp_path_factory) -> Path:
    from transformers import BertConfig, BertModel

    from dialogue.nlu.model import encoder_folder

    folder = tmp_path_factory.mktemp("tiny-encoder")
    config = BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=160)
    BertModel(config).save_pretrained(folder)
    shutil.copyfile(encoder_folder(None) / "tokenizer.json", folder / "tokenizer.json")
    return folder


@pytest.fixture(scope="session")
def tiny_config(tiny_encoder):
    from dialogue.nlu.train_config import TrainConfig

    return TrainConfig(encoder=str(tiny_encoder), epochs=1, max_steps=25, learning_rate=1e-3)


BUNDLED_MODELS_ENV = "DIALOGUE_TEST_MODELS"
"""A folder to keep the session's trained models in between runs (unchanged domains are then not trained again)."""
_TRAINING = pytest.StashKey[tuple[Path, subprocess.Popen]]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The modules that need the trained models run last, and the training (tests/bundled_training.py) starts now
    in a process of its own at the lowest priority: it takes what the rest of the suite leaves of the cores while
    that waits on servers and subprocesses, and the rest is not slowed (the suite on 2 cores: 24 -> 18 minutes
    with the training's and the imports' own speed-ups)."""
    needing = {item.path for item in items if "bundled_models" in getattr(item, "fixturenames", ())}
    if needing and not config.option.collectonly:
        items.sort(key=lambda item: item.path in needing)
        _training(config)


def _training(config: pytest.Config) -> tuple[Path, subprocess.Popen]:
    """The folder of the session's models and the process that trains them, started once."""
    import os
    import signal
    import sys
    import tempfile

    if _TRAINING not in config.stash:
        kept = os.environ.get(BUNDLED_MODELS_ENV)
        root = Path(kept) if kept else Path(tempfile.mkdtemp(prefix="bundled-models-"))
        root.mkdir(parents=True, exist_ok=True)
        if not kept:
            config.add_cleanup(lambda: shutil.rmtree(root, ignore_errors=True))
        with (root / "training.log").open("w") as log:
            process = subprocess.Popen([sys.executable, "-m", "tests.bundled_training", str(root)],
                                       cwd=Path(__file__).resolve().parent.parent, stdout=log, stderr=log,
                                       start_new_session=True)
        config.add_cleanup(lambda: process.poll() is None and os.killpg(process.pid, signal.SIGKILL))
        config.stash[_TRAINING] = (root, process)
    return config.stash[_TRAINING]


@pytest.fixture(scope="session")
def bundled_models(request: pytest.FixtureRequest) -> Path:
    """The bundled domains trained with the default settings (the real encoder), and the blank starter trained by
    `dialogue train`, as tests/bundled_training.py trains them; waits for that training to end.

    Set DIALOGUE_TEST_MODELS to a folder to keep the models between runs; unchanged domains
    are then not trained again.
    """
    root, process = _training(request.config)
    if process.wait() != 0:
        log = (root / "training.log").read_text(errors="replace")
        pytest.fail(f"training the session's models failed (exit {process.returncode}):\n{log[-4000:]}")
    return root
