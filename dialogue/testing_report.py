"""The report of `dialogue test --report`: each failing conversation test turn by turn, expected against actual,
and the passing ones collapsed."""

from __future__ import annotations

from pathlib import Path

from dialogue.reports import show, write_page
from dialogue.testing import ConversationOutcome, StepOutcome

PAGE = """{% extends "skeleton.html" %}{% block title %}Conversation tests of {{ domain }}{% endblock %}
{% block body %}<p id="summary"><span class="fail">{{ failed | length }} failed</span>, {{ passed | length }} passed.
</p>
{% for test in failed %}<section class="failed"><h2 class="fail">{{ test.name }}</h2>
<table><tr><th>step</th><th>user</th><th>bot</th><th>check</th><th>expected</th><th>actual</th></tr>
{% for step in test.steps %}{% set rows = checks(step) %}{% for check, expected, actual in rows %}
<tr class="{{ 'dim' if step.passed else 'wrong' }}">{% if loop.first %}<td rowspan="{{ rows | length }}">
{{- step.number }}</td><td class="text" rowspan="{{ rows | length }}">{{ step.said }}</td>
<td class="text" rowspan="{{ rows | length }}">{{ step.reply }}</td>{% endif %}<td class="check">{{ check }}</td>
<td class="expected">{{ expected }}</td><td class="actual{{ '' if step.passed else ' fail' }}">{{ actual }}</td></tr>
{% endfor %}{% endfor %}</table></section>
{% endfor %}{% if passed %}<h2>Passed</h2>{% endif %}
{% for test in passed %}<details class="passed"><summary>{{ test.name }}
({{ test.steps | length }} step{{ '' if test.steps | length == 1 else 's' }})</summary>
<ol>{% for step in test.steps %}<li><span class="text">user: {{ step.said }}</span><br>
<span class="text dim">bot: {{ step.reply }}</span></li>{% endfor %}</ol></details>{% endfor %}
{% endblock %}"""


def write_test_report(folder: Path, domain: str, outcomes: list[ConversationOutcome]) -> Path:
    """Write index.html into `folder`; returns its path."""
    return write_page(folder, PAGE, domain=domain, failed=[o for o in outcomes if not o.passed],
                      passed=[o for o in outcomes if o.passed], checks=_checks)


def _checks(step: StepOutcome) -> list[tuple[str, str, str]]:
    """A step's rows: (check, expected, actual) for each mismatch and the error, or one "ok"."""
    rows = [(m.check, show(m.expected), show(m.actual)) for m in step.mismatches]
    if step.error:
        rows.append(("error", "", step.error))
    return rows or [("ok", "", "")]
