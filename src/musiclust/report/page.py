"""The report page: one self-contained HTML file (figures embedded as base64 PNG, no script,
no external resource) with the run's config, a dataset summary, the tables and the figures,
navigable by section.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from musiclust.report.redaction import redact_config
from musiclust.report.metrics_tables import failure_counts

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#222;line-height:1.45}
nav{position:sticky;top:0;background:#f4f4f6;border-bottom:1px solid #ccc;padding:.5em 1.5em;z-index:1}
nav a{margin-right:1.2em;color:#1f4e9c;text-decoration:none;font-weight:600}
main{padding:0 1.5em 3em;max-width:1400px}
h1{margin:.5em 0 0;font-size:1.6em}h2{border-bottom:2px solid #ddd;padding-top:.5em;margin:.4em 0}
table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.85em}
th,td{border:1px solid #ccc;padding:.2em .5em;text-align:left;white-space:nowrap}
th{background:#eef}th.n,td.n{text-align:right}
tr.marked td{background:#fff3e0}
td:last-child{min-width:12em;white-space:normal}
.wide{max-width:100%;overflow-x:auto}
.headline{font-size:1.15em;font-weight:600;margin:.4em 0}
.side{display:flex;gap:1.5em;align-items:flex-start;flex-wrap:wrap}
.side>.wide{flex:0 1 auto}.side table{margin-top:0}.side .figures{flex:1 1 16em;min-width:16em;max-width:40em}.side figure{margin:0;border:0;padding:0}
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


_NUMBER = re.compile(r"^[-+]?\d[\d.,]*( ± \d[\d.,]*)?$|^–$")


def _numeric(values: pd.Series) -> bool:
    """A column of numbers (or "mean ± std"): right-aligned to read its digits down."""
    texts = [str(v) for v in values if not pd.isna(v) and str(v) != ""]
    return bool(texts) and all(_NUMBER.match(t) for t in texts)


def html_table(frame: pd.DataFrame, marked_column: str | None = None) -> str:
    """An escaped HTML table, numbers right-aligned, in a box that scrolls sideways when the
    table is wider than the page; rows with a non-empty ``marked_column`` are highlighted."""
    if frame is None or frame.empty:
        return '<p class="note">No rows.</p>'
    align = [' class="n"' if _numeric(frame[c]) else "" for c in frame.columns]
    head = "".join(f"<th{a}>{html.escape(str(c))}</th>" for c, a in zip(frame.columns, align))
    rows = []
    for _, row in frame.iterrows():
        marked = marked_column is not None and str(row.get(marked_column, "") or "").strip() not in ("", "nan")
        cells = "".join(f"<td{a}>{html.escape('' if pd.isna(v) else str(v))}</td>" for v, a in zip(row, align))
        rows.append(f'<tr class="marked">{cells}</tr>' if marked else f"<tr>{cells}</tr>")
    return f'<div class="wide"><table><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>'


def selection_summary(selection: Mapping) -> str:
    """What selection was asked and what each filter left (selection.json as ``select_tracks``
    writes it), its shortfalls per genre ({"asked", "found"}) and a folder CSV's rows naming no file."""
    parts = ["<h3>Selection</h3>", html_table(pd.DataFrame(selection.get("funnel") or [], columns=["step", "tracks"]))]
    shortfalls = selection.get("shortfalls") or {}
    if shortfalls:
        rows = [{"genre": genre, "asked": s["asked"], "found": s["found"], "short by": s["asked"] - s["found"]}
                for genre, s in shortfalls.items()]
        parts.append("<p>Fewer tracks than selection.tracks_per_genre asked in these genres:</p>"
                     + html_table(pd.DataFrame(rows)))
    total = selection.get("total_shortfall")
    if total:
        parts.append(f"<p>{int(total['found'])} tracks in all, {int(total['asked']) - int(total['found'])} fewer "
                     f"than selection.tracks ({int(total['asked'])}) asked.</p>")
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


def _figure_html(figure: Figure) -> str:
    return (f'<figure><img src="{png_data_uri(figure.path)}" alt="{html.escape(figure.title)}">'
            f"<figcaption><b>{html.escape(figure.title)}.</b> {html.escape(figure.caption)}</figcaption></figure>")


def summary_section(headline: str, note: str, table: pd.DataFrame, figures: Sequence[Figure] = ()) -> str:
    """The answer first: one sentence, what the score is, the ranking table beside its figure."""
    images = "".join(map(_figure_html, figures))
    return (f'<p class="headline">{html.escape(headline)}</p><p class="note">{html.escape(note)}</p>'
            f'<div class="side">{html_table(table, "marks" if "marks" in table else None)}'
            f'<div class="figures">{images}</div></div>')


def clusters_section(title: str, note: str, overview: pd.DataFrame) -> str:
    """Per cluster of the chosen clustering: size, genre mix, the tracks nearest its centre."""
    return (f"<p>{html.escape(title)}</p><p class=\"note\">{html.escape(note)}</p>"
            + html_table(overview))


def render_page(*, dataset: str, config: Mapping, tracks: pd.DataFrame, failures: pd.DataFrame,
                lyrics: pd.DataFrame | None, tables: Sequence[tuple[str, str, pd.DataFrame]],
                figures: Sequence[Figure], selection: Mapping | None = None, summary: str | None = None,
                clusters: str | None = None) -> str:
    """The page, the answer first: ``summary`` and ``clusters`` (HTML of ``summary_section``
    and ``clusters_section``; ``Summary`` figures are drawn there, not again), then the
    dataset, the tables and the other figures. ``tables``: (title, note, frame); frames with a ``marks``
    column have their marked rows highlighted. ``selection``: selection.json, when there is one.
    The config is shown with secrets redacted (``redaction.redact_config``)."""
    sections: list[tuple[str, str]] = []
    if summary is not None:
        sections.append(("Summary", summary))
    if clusters is not None:
        sections.append(("Clusters", clusters))
    sections.append(("Dataset", dataset_summary(tracks, failures, lyrics, selection)))
    table_html = []
    for title, note, frame in tables:
        table_html.append(f"<h3>{html.escape(title)}</h3><p class=\"note\">{html.escape(note)}</p>"
                          + html_table(frame, "marks" if "marks" in frame else None))
    sections.append(("Tables", "\n".join(table_html)))
    for section in dict.fromkeys(f.section for f in figures if f.section != "Summary"):
        sections.append((section, "\n".join(_figure_html(f) for f in figures if f.section == section)))
    config_text = yaml.safe_dump(redact_config(dict(config)), sort_keys=False, allow_unicode=True)
    sections.append(("Run config", f"<pre>{html.escape(config_text)}</pre>"))
    nav = "".join(f'<a href="#{_section_id(name)}">{html.escape(name)}</a>' for name, _ in sections)
    body = "\n".join(f'<section id="{_section_id(name)}"><h2>{html.escape(name)}</h2>\n{content}\n</section>'
                     for name, content in sections)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<link rel="icon" href="data:,"><title>musiclust report: {html.escape(dataset)}</title>'
            f"<style>{_STYLE}</style></head>\n<body><nav>{nav}</nav><main>"
            f"<h1>musiclust report: {html.escape(dataset)}</h1>\n{body}\n</main></body></html>\n")
