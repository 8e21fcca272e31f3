"""A tiny encoder (random weights, the real tokenizer) and a domain model trained on it in seconds."""

from __future__ import annotations

import pytest

from dialogue.domains import load_domain


@pytest.fixture(scope="session")
def restaurant():
    return load_domain("restaurant")


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory, restaurant, tiny_config):
    """The restaurant domain trained for 25 steps on the tiny encoder: a real model folder, not a good one."""
    from dialogue.nlu.training import train_domain

    root = tmp_path_factory.mktemp("models")
    report = train_domain(restaurant, root, tiny_config)
    return root, report
