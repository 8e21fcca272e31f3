from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from dialogue.dm.sql import LlmCache
from dialogue.dm.sql.schema import llm_cache
from dialogue.nlg.llm.base import cache_key


def test_keys_differ_by_backend_model_prompt_and_parameters() -> None:
    request = {"messages": [{"role": "user", "content": "hi"}], "max_tokens": 8, "temperature": 0.0}
    keys = {cache_key("local", "m", request), cache_key("openai", "m", request), cache_key("local", "n", request),
            cache_key("local", "m", {**request, "max_tokens": 9}), cache_key("local", "m", {**request, "messages": []})}
    assert len(keys) == 5 and cache_key("local", "m", dict(reversed(request.items()))) in keys


def test_the_oldest_entries_go_above_the_size_limit() -> None:
    cache = LlmCache.in_memory(max_entries=3)
    for number in range(5):
        cache.put(f"k{number}", "local", "m", f"answer {number}")
    cache.prune()
    assert cache.count() == 3 and cache.get("k0") is None and cache.get("k4") == "answer 4"


def test_entries_older_than_the_age_limit_are_not_used_and_are_pruned() -> None:
    cache = LlmCache.in_memory(max_age_days=1)
    cache.put("old", "local", "m", "stale")
    cache.put("new", "local", "m", "fresh")
    with cache.database.transaction() as connection:
        connection.execute(sa.update(llm_cache).where(llm_cache.c.key == "old")
                           .values(created_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=2)))
    assert cache.get("old") is None and cache.get("new") == "fresh"
    cache.prune()
    assert cache.count() == 1
