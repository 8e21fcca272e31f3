"""The report of `dialogue eval-conversations`: one HTML page (figures, per intent and per slot, and every turn
misread), the figures as JSON and every conversation's turns as JSON lines."""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from dialogue.corpus.replay import ConversationScore
from dialogue.reports import write_json, write_page

PAGE = """{% extends "skeleton.html" %}
{% block title %}{{ m.domain }} on {{ m.conversations }} real conversations{% endblock %}{% block body %}
<p>{{ m.user_turns }} user turns from {{ m.conversations_from }}.</p>
<table><tr><th>figure</th><th>value</th></tr>
{% for name in figures %}<tr><td>{{ name | replace('_', ' ') }}</td><td>{{ '%.1f%%' % (m[name] * 100) }}</td></tr>
{% endfor %}<tr><td>conversations counted for task success</td><td>{{ m.task_conversations }}</td></tr></table>
<h2>Per intent</h2><table><tr><th>intent</th><th>accuracy</th><th>turns</th></tr>
{% for name, row in m.per_intent | dictsort %}<tr><td>{{ name }}</td><td>{{ '%.1f%%' % (row.accuracy * 100) }}</td>
<td>{{ row.support }}</td></tr>{% endfor %}</table>
<h2>Per slot</h2><table><tr><th>slot</th><th>precision</th><th>recall</th><th>F1</th><th>values given</th></tr>
{% for name, row in m.per_slot | dictsort %}<tr><td>{{ name }}</td><td>{{ '%.1f%%' % (row.slot_precision * 100) }}</td>
<td>{{ '%.1f%%' % (row.slot_recall * 100) }}</td><td>{{ '%.1f%%' % (row.slot_f1 * 100) }}</td>
<td>{{ row.slot_support }}</td></tr>{% endfor %}</table>
<h2>Turns misread ({{ misread | length }})</h2>
<table><tr><th>conversation</th><th>user</th><th>expected</th><th>understood</th></tr>
{% for c, t in misread[:500] %}<tr><td>{{ c }}</td><td>{{ t.text }}</td>
<td>{{ t.expected_intent }} {{ t.expected }}</td><td class="fail">{{ t.intent }} {{ t.understood }}</td></tr>
{% endfor %}</table>
<h2>Tasks not done ({{ failed | length }})</h2>
{% for c in failed[:200] %}<details><summary class="fail">{{ c.id }} {{ c.task }}: {{ c.reasons | join('; ') }}
</summary><ol>{% for t in c.turns %}<li>user: {{ t.text }} [{{ t.intent }} {{ t.understood }}]<br>bot: {{ t.reply }}
</li>{% endfor %}</ol></details>{% endfor %}
<p>Every turn: <a href="turns.jsonl">turns.jsonl</a>; figures: <a href="metrics.json">metrics.json</a>.</p>
{% endblock %}"""
FIGURES = ["intent_accuracy", "intent_accuracy_any_act", "model_intent_accuracy", "fallback_rate",
           "not_understood_rate", "slot_precision", "slot_recall", "slot_f1", "value_reading", "task_success"]


def write_report(folder: Path, results: list[ConversationScore], figures: dict[str, Any]) -> list[Path]:
    """Write the report; returns the files written."""
    given = {slot for c in results for t in c.turns for slot in t.expected}
    misread = [(c.id, t) for c in results for t in c.turns
               if (t.expected_intent is not None and t.intent != t.expected_intent)
               or set(t.right) != set(t.expected) or (set(t.understood) - set(t.expected)) & given]
    failed = [c for c in results if c.counted and not c.success]
    turns = folder / "turns.jsonl"
    page = write_page(folder, PAGE, m=figures, figures=FIGURES, misread=misread, failed=failed)
    turns.write_text("".join(json.dumps(_without_events(c), ensure_ascii=False, default=str) + "\n"
                             for c in results), encoding="utf-8")
    return [page, write_json(folder / "metrics.json", figures), turns]


def _without_events(conversation: ConversationScore) -> dict[str, Any]:
    row = asdict(replace(conversation, events=[]))
    del row["events"]
    return row
