"""A simulation's report folder: transcripts (JSON lines), metrics (JSON), plots (PNG) and one HTML page."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dialogue.reports import write_json, write_page
from dialogue.simulation.conversation import ConversationLog

PAGE = """{% extends "skeleton.html" %}{% block title %}Simulation of {{ m.domain }}{% endblock %}{% block body %}
<p>{{ m.conversations }} conversations, seed {{ m.seed }}, noise {{ m.noise }}, channel {{ m.channel }}.</p>
<table><tr><th>figure</th><th>value</th></tr>
{% for name in figures %}<tr><td>{{ name }}</td><td class="num">{{ m[name] }}</td></tr>{% endfor %}
<tr><td>latency per turn p50 / p95 / p99 (ms)</td>
<td class="num">{{ m.latency_ms.p50 }} / {{ m.latency_ms.p95 }} / {{ m.latency_ms.p99 }}</td></tr></table>
{% for image in images %}<img class="plot" src="{{ image }}" alt="{{ image }}">{% endfor %}
<h2>Failed conversations ({{ failed | length }})</h2>
{% for log in failed[:50] %}<details><summary class="fail">#{{ log.index }} {{ log.scenario.goal.task }}:
{{ log.reasons | join('; ') }}</summary><ol>
{% for t in log.turns %}<li>user ({{ t.behaviour }}): {{ t.text or t.digits or t.kind }}
{% if t.predicted_intent %}[understood {{ t.predicted_intent }} {{ t.predicted_entities }}]{% endif %}
<br>bot: {{ t.reply }}</li>{% endfor %}</ol></details>{% endfor %}
<p>Transcripts: <a href="transcripts.jsonl">transcripts.jsonl</a>; figures: <a href="metrics.json">metrics.json</a>.</p>
{% endblock %}"""
FIGURES = ["success_rate", "turns_per_conversation", "slot_precision", "slot_recall", "intent_accuracy", "slot_f1",
           "fallback_rate", "llm_call_rate", "handoff_rate", "conversations_per_minute"]


def write_report(folder: Path, logs: list[ConversationLog], metrics: dict[str, Any]) -> list[Path]:
    """Write the report; returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    transcripts = folder / "transcripts.jsonl"
    with transcripts.open("w", encoding="utf-8") as out:
        for log in logs:
            out.write(json.dumps(log.as_dict(), ensure_ascii=False, default=str) + "\n")
    metrics_file = write_json(folder / "metrics.json", metrics)
    images = _plots(folder, logs, metrics)
    page = write_page(folder, PAGE, m=metrics, figures=[f for f in FIGURES if f in metrics],
                      images=[p.name for p in images], failed=[log for log in logs if not log.success])
    return [transcripts, metrics_file, *images, page]


def _plots(folder: Path, logs: list[ConversationLog], metrics: dict[str, Any]) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []

    def save(name: str, draw: Any) -> None:
        figure, axes = plt.subplots(figsize=(6, 3.6))
        draw(axes)
        figure.tight_layout()
        path = folder / name
        figure.savefig(path, dpi=90)
        plt.close(figure)
        written.append(path)

    def by_task(axes: Any) -> None:
        tasks = metrics["by_task"]
        axes.barh(list(tasks), [v["success_rate"] for v in tasks.values()], color="#4a7")
        axes.set_xlim(0, 1)
        axes.set_xlabel("task success")
        axes.set_title("Success by task")

    def by_noise(axes: Any) -> None:
        levels = sorted(metrics["by_noise"], key=float)
        axes.plot([float(n) for n in levels], [metrics["by_noise"][n]["success_rate"] for n in levels], "o-")
        axes.set_ylim(0, 1.02)
        axes.set_xlabel("noise rate")
        axes.set_ylabel("task success")
        axes.set_title("Success against noise")

    def turns(axes: Any) -> None:
        axes.hist([len(log.turns) for log in logs], bins=range(0, max(len(log.turns) for log in logs) + 2),
                  color="#47a")
        axes.set_xlabel("turns per conversation")
        axes.set_title("Turns")

    def latency(axes: Any) -> None:
        values = [turn.latency_ms for log in logs for turn in log.turns]
        axes.hist(values, bins=40, color="#a74")
        axes.set_xlabel("engine time per turn (ms)")
        axes.set_title(f"Latency (p50 {metrics['latency_ms']['p50']} ms, p99 {metrics['latency_ms']['p99']} ms)")

    if logs:
        for name, draw in (("success_by_task.png", by_task), ("success_by_noise.png", by_noise),
                           ("turns.png", turns), ("latency.png", latency)):
            save(name, draw)
    return written
