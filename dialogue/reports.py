"""What the HTML reports share: the page skeleton and its style, and writing a page and a JSON file.

A page is a Jinja2 template that extends "skeleton.html" (blocks `title` and `body`); autoescape is on, so no
text a user said or a model read is ever taken for HTML.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jinja2 import DictLoader, Environment

SKELETON = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{% block title %}{% endblock %}</title>
<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}th{background:#eee}
.num{text-align:right}.fail{color:#a00}.dim{color:#888}img{max-width:100%}img.plot{max-width:520px}
.text{white-space:pre-wrap}mark{background:#def;padding:0 2px}mark sub{color:#557;font-size:70%}
details{margin:.3em 0}summary{cursor:pointer}</style></head><body>
<h1>{{ self.title() }}</h1>
{% block body %}{% endblock %}
</body></html>
"""


def show(value: Any) -> str:
    """A value as JSON (a string in quotes, None as null), as expected and actual values are shown."""
    return json.dumps(value, ensure_ascii=False, default=str)


def shade(percent: float) -> str:
    """A cell's background for a score in percent: red at 0, green at 100."""
    return f"background:hsl({round(1.2 * percent)},70%,88%)"


_pages = Environment(autoescape=True, loader=DictLoader({"skeleton.html": SKELETON}))
_pages.filters.update(show=show, shade=shade)


def write_page(folder: Path, page: str, **context: Any) -> Path:
    """Render `page` into folder/index.html (the folder is created if missing); returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "index.html"
    path.write_text(_pages.from_string(page).render(**context), encoding="utf-8")
    return path


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    return path
