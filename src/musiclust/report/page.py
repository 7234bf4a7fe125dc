"""The report page: one self-contained HTML file (figures embedded as base64 PNG, no script,
no external resource) with the run's config, a dataset summary, the tables and the figures,
navigable by section.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from musiclust.report.tables import failure_counts

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#222;line-height:1.45}
nav{position:sticky;top:0;background:#f4f4f6;border-bottom:1px solid #ccc;padding:.5em 1.5em;z-index:1}
nav a{margin-right:1.2em;color:#1f4e9c;text-decoration:none;font-weight:600}
main{padding:0 1.5em 3em;max-width:1400px}
h1{margin-top:.8em}h2{border-bottom:2px solid #ddd;padding-top:.6em}
table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.85em}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:right}
th{background:#eef}td:first-child,th:first-child{text-align:left}
tr.marked td{background:#fff3e0}
td:last-child{text-align:left;min-width:14em}
figure{margin:1.2em 0;border-top:1px solid #eee;padding-top:.6em}
figure img{max-width:100%;height:auto}
figcaption{font-size:.9em;color:#444;max-width:70em}
pre{background:#f7f7f7;padding:1em;overflow:auto;font-size:.8em;max-height:40em}
.note{color:#555;font-size:.9em}
"""


@dataclass
class Figure:
    """A figure of the page: its section, title, caption and PNG file."""

    section: str
    title: str
    caption: str
    path: str | Path


def png_data_uri(path: str | Path) -> str:
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")


def html_table(frame: pd.DataFrame, marked_column: str | None = None) -> str:
    """An escaped HTML table; rows with a non-empty ``marked_column`` are highlighted."""
    if frame is None or frame.empty:
        return '<p class="note">No rows.</p>'
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for _, row in frame.iterrows():
        marked = marked_column is not None and str(row.get(marked_column, "") or "").strip() not in ("", "nan")
        cells = "".join(f"<td>{html.escape('' if pd.isna(v) else str(v))}</td>" for v in row)
        rows.append(f'<tr class="marked">{cells}</tr>' if marked else f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def selection_summary(selection: Mapping) -> str:
    """What selection was asked and what each filter left (selection.json), its shortfalls per
    genre and a folder CSV's rows naming no file."""
    parts = ["<h3>Selection</h3>", html_table(pd.DataFrame(selection.get("funnel") or [], columns=["step", "tracks"]))]
    shortfalls = selection.get("shortfalls") or {}
    if shortfalls:
        parts.append("<p>Fewer tracks than asked in these genres:</p>"
                     + html_table(pd.DataFrame([{"genre": g, "short by": n} for g, n in shortfalls.items()])))
    if selection.get("total_shortfall"):
        parts.append(f"<p>{selection['total_shortfall']} tracks fewer than selection.tracks asked.</p>")
    missing = selection.get("missing_files") or []
    if missing:
        parts.append(f"<p>{len(missing)} rows of the metadata CSV name no file in the folder:</p>"
                     + html_table(pd.DataFrame(missing)))
    return "\n".join(parts)


def dataset_summary(tracks: pd.DataFrame, failures: pd.DataFrame, lyrics: pd.DataFrame | None,
                    selection: Mapping | None = None) -> str:
    """Tracks, how selection got them, genres, tracks left out (by stage and reason), lyrics coverage."""
    parts = [f"<p>{len(tracks)} tracks selected; {len(failures)} left out; "
             f"{len(tracks) - failures['track_id'].isin(tracks['track_id']).sum()} used.</p>"]
    if selection is not None:
        parts.append(selection_summary(selection))
    if "genre" in tracks:
        genres = tracks["genre"].fillna("(unknown)").value_counts().rename_axis("genre").reset_index(name="tracks")
        parts.append(f"<h3>Genres ({len(genres)})</h3>" + html_table(genres))
    parts.append("<h3>Tracks left out</h3>")
    if failures.empty:
        parts.append('<p class="note">None.</p>')
    else:
        parts.append(html_table(failure_counts(failures)))
    if lyrics is not None:
        coverage = lyrics["status"].value_counts().rename_axis("lyrics status").reset_index(name="tracks")
        found = int((lyrics["status"] == "found").sum())
        parts.append(f"<h3>Lyrics coverage</h3><p>{found} of {len(lyrics)} tracks have lyrics "
                     f"({found / max(1, len(lyrics)):.0%}).</p>" + html_table(coverage))
    return "\n".join(parts)


def _section_id(name: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-")


def render_page(*, dataset: str, config: Mapping, tracks: pd.DataFrame, failures: pd.DataFrame,
                lyrics: pd.DataFrame | None, tables: Sequence[tuple[str, str, pd.DataFrame]],
                figures: Sequence[Figure], selection: Mapping | None = None) -> str:
    """The page. ``tables``: (title, note, frame); frames with a ``marks`` column have their
    marked rows highlighted. ``selection``: selection.json's report, when there is one."""
    sections: list[tuple[str, str]] = [("Dataset", dataset_summary(tracks, failures, lyrics, selection))]
    table_html = []
    for title, note, frame in tables:
        table_html.append(f"<h3>{html.escape(title)}</h3><p class=\"note\">{html.escape(note)}</p>"
                          + html_table(frame, "marks" if "marks" in frame else None))
    sections.append(("Tables", "\n".join(table_html)))
    for section in dict.fromkeys(f.section for f in figures):
        items = [f'<figure><img src="{png_data_uri(f.path)}" alt="{html.escape(f.title)}">'
                 f"<figcaption><b>{html.escape(f.title)}.</b> {html.escape(f.caption)}</figcaption></figure>"
                 for f in figures if f.section == section]
        sections.append((section, "\n".join(items)))
    config_text = yaml.safe_dump(dict(config), sort_keys=False, allow_unicode=True)
    sections.append(("Run config", f"<pre>{html.escape(config_text)}</pre>"))
    nav = "".join(f'<a href="#{_section_id(name)}">{html.escape(name)}</a>' for name, _ in sections)
    body = "\n".join(f'<section id="{_section_id(name)}"><h2>{html.escape(name)}</h2>\n{content}\n</section>'
                     for name, content in sections)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<link rel="icon" href="data:,"><title>musiclust report: {html.escape(dataset)}</title>'
            f"<style>{_STYLE}</style></head>\n<body><nav>{nav}</nav><main>"
            f"<h1>musiclust report: {html.escape(dataset)}</h1>\n{body}\n</main></body></html>\n")
