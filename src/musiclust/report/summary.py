"""Summary tables (one row per method, one column per metric) in Markdown, LaTeX (booktabs) and
CSV: a study's layout first when the run names one (``report.layout``, ``report/layouts.py``),
then musiclust's own tables; and the choice of each representation's best algorithm.

Input: the long-form metrics frame of ``metrics_tables.gather_metrics`` (``metrics.csv``).
"""

from __future__ import annotations

import pandas as pd

from musiclust.report.layouts import layout_of, layout_table
from musiclust.report.metrics_tables import LOWER_IS_BETTER, NOISE_DOMINATED, markdown_table, summary_table


def usable(metrics: pd.DataFrame) -> pd.DataFrame:
    """Rows that are results: no error, not noise-dominated."""
    keep = pd.Series(True, index=metrics.index)
    if "error" in metrics:
        keep &= metrics["error"].isna()
    if "noise_share" in metrics:
        keep &= ~(pd.to_numeric(metrics["noise_share"], errors="coerce") > NOISE_DOMINATED)
    return metrics[keep]


def best_algorithms(metrics: pd.DataFrame, by: str = "ari") -> dict[str, str]:
    """Representation → its algorithm with the best mean ``by`` over seeds (noise-dominated
    and failed runs left out unless nothing else ran)."""
    best = {}
    for representation, group in metrics.groupby("representation", sort=False):
        candidates = usable(group)
        if candidates.empty or by not in candidates or candidates[by].isna().all():
            candidates = group
        means = pd.to_numeric(candidates[by], errors="coerce").groupby(candidates["algorithm"]).mean() \
            if by in candidates else pd.Series(dtype=float)
        if means.dropna().empty:
            best[representation] = str(candidates["algorithm"].iloc[0])
            continue
        best[representation] = str(means.idxmin() if by in LOWER_IS_BETTER else means.idxmax())
    return best


def study_tables(metrics: pd.DataFrame, order_by: str | None = None) -> dict[str, pd.DataFrame]:
    """``all``: every representation × algorithm (by name, or grouped best first by
    ``order_by``); ``by_algorithm``: the same, grouped by algorithm first (the second study's
    per-algorithm layout)."""
    summary = summary_table(metrics, order_by)
    by_algorithm = summary.sort_values(["algorithm", "representation"], kind="stable")
    return {"all": summary, "by_algorithm": by_algorithm[["algorithm", *[c for c in summary if c != "algorithm"]]]}


_LATEX_ESCAPES = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                  "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
                  "±": r"$\pm$", "↑": r"$\uparrow$", "↓": r"$\downarrow$", "†": r"$^\dagger$", "–": "--"}


def latex_escape(text: object) -> str:
    return "".join(_LATEX_ESCAPES.get(ch, ch) for ch in str(text))


def latex_table(frame: pd.DataFrame, caption: str, label: str) -> str:
    """A booktabs ``table`` environment (needs ``\\usepackage{booktabs}``)."""
    columns = list(frame.columns)
    align = "".join("l" if c in ("representation", "algorithm", "marks", "Method") else "r" for c in columns)
    lines = [r"\begin{table}[ht]", r"\centering", r"\small", rf"\caption{{{latex_escape(caption)}}}",
             rf"\label{{{label}}}", rf"\begin{{tabular}}{{{align}}}", r"\toprule",
             " & ".join(latex_escape(c) for c in columns) + r" \\", r"\midrule"]
    lines += [" & ".join(latex_escape(v) for v in row) + r" \\" for row in frame.astype(str).itertuples(index=False)]
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
    return "\n".join(lines) + "\n"


def layout_summary(metrics: pd.DataFrame, layout: str = "generic",
                   labels: dict[str, str] | None = None) -> tuple[str, pd.DataFrame] | None:
    """``(title, table)`` in the study's layout ``layout``; None for ``generic``."""
    spec = layout_of(layout)
    if spec is None:
        return None
    seeds = int(metrics["seed"].nunique()) if "seed" in metrics and len(metrics) else 0
    return f"{spec.title}; mean ± std over {seeds} seed(s)", layout_table(metrics, spec, labels)


def summary_csv(metrics: pd.DataFrame, layout: str = "generic", labels: dict[str, str] | None = None) -> pd.DataFrame:
    """The CSV: the study's layout when named, else every representation × algorithm."""
    study = layout_summary(metrics, layout, labels)
    return study[1] if study else study_tables(metrics)["all"]


def summary_markdown(metrics: pd.DataFrame, dataset: str, layout: str = "generic",
                     labels: dict[str, str] | None = None) -> str:
    tables = study_tables(metrics)
    study = layout_summary(metrics, layout, labels)
    head = f"## {study[0]}\n\n" + markdown_table(study[1]) + "\n" if study else ""
    return (f"# Clustering summary: {dataset}\n\nMean ± std over seeds; marks: collapsed models, "
            "degenerate representations (fewer effective dimensions than analysis.min_effective_dims), "
            "noise-dominated density clusterings, failed runs; † trained with the genre labels.\n\n" + head
            + "## By representation\n\n" + markdown_table(tables["all"])
            + "\n## By algorithm\n\n" + markdown_table(tables["by_algorithm"]))


def summary_latex(metrics: pd.DataFrame, dataset: str, layout: str = "generic",
                  labels: dict[str, str] | None = None) -> str:
    tables = study_tables(metrics)
    study = layout_summary(metrics, layout, labels)
    head = latex_table(study[1], f"{study[0]} ({dataset}).", f"tab:{dataset}-{layout}") + "\n" if study else ""
    return (f"% musiclust summary of {dataset}: mean +/- std over seeds. Needs \\usepackage{{booktabs}}.\n" + head
            + latex_table(tables["all"], f"Clustering results on {dataset} (mean ± std over seeds).",
                          f"tab:{dataset}-clustering")
            + "\n" + latex_table(tables["by_algorithm"], f"Clustering results on {dataset}, by algorithm.",
                                 f"tab:{dataset}-by-algorithm"))
