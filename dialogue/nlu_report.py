"""The report of `dialogue nlu-eval --report`: the intent confusion matrix (an image and the most confused pairs),
per intent and per slot, the worst mistakes with their words, and the figures as JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dialogue.nlu.evaluate import confusion_png
from dialogue.reports import write_json, write_page

SHOWN = 100
"""Mistakes shown of each kind, and confused pairs (the worst ones)."""
FIGURES = ["intent_accuracy", "slot_precision", "slot_recall", "slot_f1", "sentence_accuracy"]

PAGE = """{% extends "skeleton.html" %}{% block title %}NLU on {{ m.evaluated }} ({{ m.variant }}){% endblock %}
{% block body %}{% macro reading(runs) %}{% for run in runs %}
{%- if run.slot %}<mark>{{ run.text }}<sub>{{ run.slot }}</sub></mark>{% else %}{{ run.text }}{% endif %} {% endfor %}
{%- endmacro %}{% macro values(texts) %}{{ texts | map('show') | join(', ') if texts else 'nothing' }}{% endmacro %}
<p>{{ m.utterances }} utterances; model {{ m.model }}. Figures: <a href="metrics.json">metrics.json</a>.</p>
<table><tr><th>figure</th><th>%</th></tr>{% for name in figures %}<tr><td>{{ name | replace('_', ' ') }}</td>
<td class="num">{{ '%.2f' % m[name] }}</td></tr>{% endfor %}</table>
<h2>Intent confusion</h2>
<p>Rows: the true intent; columns: the intent predicted.</p>
<a href="confusion.png"><img src="confusion.png" alt="intent confusion matrix"></a>
<h3>Most confused pairs ({{ pairs | length }} of {{ confused }})</h3>
<table id="confused"><tr><th>true intent</th><th>predicted</th><th>utterances</th><th>% of the true intent's</th></tr>
{% for p in pairs %}<tr><td>{{ p.expected }}</td><td>{{ p.predicted }}</td><td class="num">{{ p.count }}</td>
<td class="num">{{ '%.1f' % p.share }}</td></tr>{% endfor %}</table>
{% for title, id, rows in [('Per intent', 'per-intent', m.per_intent), ('Per slot', 'per-slot', m.per_slot)] %}
<h2>{{ title }} (worst first)</h2>
<table id="{{ id }}"><tr><th>name</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>
{% for name, row in rows | dictsort | sort(attribute='1.f1') %}<tr><td>{{ name }}</td>
{% for key in ['precision', 'recall', 'f1'] %}<td class="num" style="{{ row[key] | shade }}">{{ '%.2f' % row[key] }}
</td>{% endfor %}<td class="num">{{ row.support }}</td></tr>{% endfor %}</table>{% endfor %}
<h2>Intents misread ({{ mistakes.intents | length }})</h2>
<p>The most confident first{% if mistakes.intents | length > shown %}; the first {{ shown }}{% endif %}.</p>
<table id="misread"><tr><th>text</th><th>expected</th><th>predicted</th><th>confidence</th></tr>
{% for e in mistakes.intents[:shown] %}<tr><td class="text">{{ e.text }}{% if e.context %}
<div class="dim">in the state: {{ e.context }}</div>{% endif %}</td><td>{{ e.expected }}</td>
<td class="fail">{{ e.predicted }}</td><td class="num">{{ '%.3f' % e.confidence }}</td></tr>{% endfor %}</table>
<h2>Slot values wrong, missed or extra ({{ mistakes.slots | length }})</h2>
<p>The most mistaken first{% if mistakes.slots | length > shown %}; the first {{ shown }}{% endif %}.</p>
<table id="slots"><tr><th>expected</th><th>read</th><th>values</th></tr>
{% for e in mistakes.slots[:shown] %}<tr><td>{{ reading(e.expected) }}<div class="dim">{{ e.intent }}</div></td>
<td>{{ reading(e.predicted) }}</td><td><ul>{% for v in e['values'] %}<li class="value">{{ v.kind }} {{ v.slot }}:
expected {{ values(v.expected) }}, read {{ values(v.actual) }}</li>{% endfor %}</ul></td></tr>{% endfor %}</table>
{% endblock %}"""


def write_nlu_report(folder: Path, metrics: dict[str, Any], mistakes: dict[str, list[dict[str, Any]]]) -> Path:
    """Write index.html, confusion.png and metrics.json into `folder`; returns the page's path."""
    folder.mkdir(parents=True, exist_ok=True)
    confusion_png(metrics, folder / "confusion.png", f"{metrics['evaluated']} ({metrics['variant']})")
    write_json(folder / "metrics.json", metrics)
    pairs = confused_pairs(metrics)
    return write_page(folder, PAGE, m=metrics, figures=FIGURES, pairs=pairs[:SHOWN], confused=len(pairs),
                      mistakes=mistakes, shown=SHOWN)


def confused_pairs(metrics: dict[str, Any]) -> list[dict[str, Any]]:
    """Every (true, predicted) pair of different intents that occurred, the most frequent first."""
    labels, counts = metrics["confusion"]["labels"], metrics["confusion"]["counts"]
    pairs = [{"expected": labels[row], "predicted": labels[column], "count": count,
              "share": 100 * count / metrics["per_intent"][labels[row]]["support"]}
             for row, values in enumerate(counts) for column, count in enumerate(values) if row != column and count]
    return sorted(pairs, key=lambda pair: -pair["count"])
