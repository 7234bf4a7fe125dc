"""The answer first: representations ranked by their best algorithm's score, each learned or
fused one against the baseline of the same features, and one sentence saying what won.

Input: the long-form metrics frame (``metrics.csv``). The score is ARI where the tracks have
genres, otherwise an internal metric (``report.best_by`` when it is one, else silhouette).
Marks come from the tables (``tables.row_marks``: collapsed, degenerate, noise-dominated, failed)
plus † for label-trained models, so a new mark there appears here too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from musiclust.cluster.metrics import INTERNAL_METRICS
from musiclust.report.summary import LOWER_IS_BETTER, best_algorithms
from musiclust.report.metrics_tables import row_marks

LABEL_TRAINED = "† trained with the genres"
FALLBACK_INTERNAL = "silhouette"
METRIC_TITLES = {"ari": "ARI", "nmi": "NMI", "silhouette": "silhouette", "calinski_harabasz": "Calinski–Harabasz",
                 "davies_bouldin": "Davies–Bouldin", "purity": "purity", "purity_per_cluster": "purity per cluster"}


def has_genres(metrics: pd.DataFrame) -> bool:
    return "ari" in metrics and pd.to_numeric(metrics["ari"], errors="coerce").notna().any()


def ranking_metric(metrics: pd.DataFrame, best_by: str = "ari") -> str:
    """ARI when the tracks have genres; otherwise ``best_by`` when it is an internal metric,
    else silhouette (an external ``best_by`` has nothing to compare with)."""
    if has_genres(metrics):
        return "ari"
    return best_by if best_by in INTERNAL_METRICS else FALLBACK_INTERNAL


def _better(metric: str) -> int:
    return -1 if metric in LOWER_IS_BETTER else 1


def seed_scores(metrics: pd.DataFrame, representation: str, algorithm: str, metric: str) -> pd.Series:
    """One algorithm's ``metric`` on a representation, by seed."""
    rows = metrics[(metrics["representation"] == representation) & (metrics["algorithm"] == algorithm)]
    scores = pd.to_numeric(rows[metric], errors="coerce") if metric in rows else pd.Series(dtype=float)
    return pd.Series(scores.to_numpy(), index=rows["seed"].to_numpy()).dropna()


def rank_representations(metrics: pd.DataFrame, metric: str) -> pd.DataFrame:
    """One row per representation, best first: its best algorithm (by mean ``metric`` over
    seeds), the mean and std, seeds, tracks clustered, marks; ``unmarked`` rows are results to
    read as they are (no mark and no label-trained model)."""
    best = best_algorithms(metrics, metric)
    rows = []
    for representation, algorithm in best.items():
        group = metrics[(metrics["representation"] == representation) & (metrics["algorithm"] == algorithm)]
        scores = seed_scores(metrics, representation, algorithm, metric)
        label_trained = bool(group["saw_labels"].fillna(False).astype(bool).any()) if "saw_labels" in group else False
        marks = [m for m in (row_marks(group), LABEL_TRAINED if label_trained else "") if m]
        tracks = pd.to_numeric(group["n_tracks"], errors="coerce").max() if "n_tracks" in group else np.nan
        rows.append({"representation": representation, "algorithm": algorithm,
                     "mean": scores.mean() if len(scores) else np.nan,
                     "std": scores.std(ddof=1) if len(scores) > 1 else np.nan,
                     "seeds": len(scores), "tracks": None if pd.isna(tracks) else int(tracks),
                     "marks": "; ".join(marks), "label_trained": label_trained, "unmarked": not marks})
    frame = pd.DataFrame(rows, columns=["representation", "algorithm", "mean", "std", "seeds", "tracks", "marks",
                                        "label_trained", "unmarked"])
    frame["_key"] = frame["mean"] * _better(metric)
    frame = frame.sort_values("_key", ascending=False, na_position="last", kind="stable").drop(columns="_key")
    return frame.reset_index(drop=True)


def first_choice(ranking: pd.DataFrame) -> pd.Series:
    """The first-ranked unmarked representation with a score (else the first with a score)."""
    scored = ranking[ranking["mean"].notna()]
    if scored.empty:
        scored = ranking
    if scored.empty:
        raise ValueError("no representation was evaluated: nothing to rank")
    unmarked = scored[scored["unmarked"]]
    return (unmarked if len(unmarked) else scored).iloc[0]


def holds_over_seeds(differences: pd.Series) -> str:
    """Whether a difference holds: the same sign on every seed (with one seed, not tested)."""
    n = len(differences)
    if n == 0:
        return "no common seed"
    if n == 1:
        return "one seed: not tested"
    better = int((differences > 0).sum())
    if better == n:
        return f"holds: better on all {n} seeds"
    if better == 0 and (differences < 0).all():
        return f"holds: worse on all {n} seeds"
    return f"does not hold: better on {better} of {n} seeds"


def baseline_comparisons(metrics: pd.DataFrame, ranking: pd.DataFrame, baselines: Mapping[str, Sequence[str]],
                         metric: str) -> pd.DataFrame:
    """Each learned or fused representation against its strongest baseline of the same features
    (``baselines``: representation → candidates): both at their best algorithm, the difference
    seed by seed (positive: the representation is better), its mean and whether it holds."""
    ranked = ranking.set_index("representation")
    rows = []
    for representation, candidates in baselines.items():
        candidates = [c for c in candidates if c in ranked.index and pd.notna(ranked.at[c, "mean"])]
        if representation not in ranked.index or not candidates:
            continue
        baseline = max(candidates, key=lambda c: ranked.at[c, "mean"] * _better(metric))
        own = seed_scores(metrics, representation, ranked.at[representation, "algorithm"], metric)
        other = seed_scores(metrics, baseline, ranked.at[baseline, "algorithm"], metric)
        differences = ((own - other).dropna()) * _better(metric)
        rows.append({"representation": representation, "baseline": baseline,
                     "baseline_algorithm": ranked.at[baseline, "algorithm"],
                     "difference": differences.mean() * _better(metric) if len(differences) else np.nan,
                     "verdict": holds_over_seeds(differences)})
    return pd.DataFrame(rows, columns=["representation", "baseline", "baseline_algorithm", "difference", "verdict"])


def score_text(mean: float, std: float, digits: int = 3) -> str:
    if pd.isna(mean):
        return "–"
    return f"{mean:.{digits}f}" if pd.isna(std) else f"{mean:.{digits}f} ± {std:.{digits}f}"


def summary_rows(ranking: pd.DataFrame, comparisons: pd.DataFrame, metric: str) -> pd.DataFrame:
    """The short table: rank, representation, best algorithm, score, tracks, the difference from
    its baseline of the same features, whether it holds over the seeds (a column only when some
    comparison has more than one seed), marks."""
    title = METRIC_TITLES.get(metric, metric) + (" ↓" if metric in LOWER_IS_BETTER else " ↑")
    against = comparisons.set_index("representation")
    tested = bool(len(comparisons)) and (comparisons["verdict"] != "one seed: not tested").any()
    rows = []
    for rank, row in enumerate(ranking.itertuples(index=False), start=1):
        entry = {"#": rank, "representation": row.representation, "best algorithm": row.algorithm,
                 title: score_text(row.mean, row.std), "tracks": "" if row.tracks is None else row.tracks}
        if len(comparisons):
            entry["Δ vs baseline"] = ""
        if row.representation in against.index and pd.notna(against.at[row.representation, "difference"]):
            entry["Δ vs baseline"] = (f"{against.at[row.representation, 'difference']:+.3f} "
                                      f"({against.at[row.representation, 'baseline']})")
            if tested:
                entry["over seeds"] = against.at[row.representation, "verdict"]
        elif tested:
            entry["over seeds"] = ""
        entry["marks"] = row.marks
        rows.append(entry)
    return pd.DataFrame(rows)


def headline(ranking: pd.DataFrame, comparisons: pd.DataFrame, metric: str) -> str:
    """One sentence: what won, by how much over the next unmarked representation and over its
    baseline of the same features, and over how many seeds."""
    if ranking["mean"].notna().sum() == 0:
        return "No representation could be scored."
    name = METRIC_TITLES.get(metric, metric)
    winner = first_choice(ranking)
    seeds = int(winner["seeds"])
    parts = [f"{winner['representation']} ({winner['algorithm']}) clusters best: {name} "
             f"{score_text(winner['mean'], winner['std'])} over {seeds} seed{'s' if seeds != 1 else ''}"]
    others = ranking[ranking["unmarked"] & ranking["mean"].notna()
                     & (ranking["representation"] != winner["representation"])]
    against = comparisons.set_index("representation")
    baseline = against.loc[winner["representation"]] if winner["representation"] in against.index else None
    if baseline is not None and pd.isna(baseline["difference"]):
        baseline = None
    if len(others):
        runner = others.iloc[0]
        gap = abs(winner["mean"] - runner["mean"])
        parts.append(f", {gap:.3f} ahead of {runner['representation']}" if round(gap, 3) > 0
                     else f", tied with {runner['representation']}")
        if baseline is not None and baseline["baseline"] == runner["representation"]:
            parts.append(f", the baseline of its features ({baseline['verdict']})")
            baseline = None
    if baseline is not None:
        parts.append(f"{' and' if len(others) else ','} {baseline['difference']:+.3f} against {baseline['baseline']}, "
                     f"the baseline of its features ({baseline['verdict']})")
    ahead = ranking.index[ranking["representation"] == winner["representation"]][0]
    if ahead > 0:
        parts.append(f"; ranked above it but marked: {', '.join(ranking['representation'].iloc[:ahead])}")
    return "".join(parts) + "."


def metric_note(metric: str, best_by: str, labelled: bool) -> str:
    """What the score is and why it was chosen."""
    if labelled:
        return ("Score: ARI against the genres (1: the genres exactly, 0: chance), of each representation's best "
                "algorithm; mean ± std over seeds.")
    reason = "report.best_by" if metric == best_by else f"report.best_by is {best_by}, which needs genres"
    return (f"The tracks have no genres: score is {METRIC_TITLES.get(metric, metric)}, an internal metric "
            f"({reason}), of each representation's best algorithm; mean ± std over seeds. It says how "
            "separated the clusters are, not whether they mean anything.")


def chosen_clustering(metrics: pd.DataFrame, best_by: str, representation: str | None = None,
                      algorithm: str | None = None) -> tuple[str, str, str]:
    """``(representation, algorithm, how)`` of the clustering a person gets as clusters.csv:
    the ones named (``report.clusters``), else the summary's first-ranked unmarked
    representation and its best algorithm; ``how`` says which, for the page."""
    metric = ranking_metric(metrics, best_by)
    name = METRIC_TITLES.get(metric, metric)
    if representation is not None and algorithm is not None:
        return representation, algorithm, "named in report.clusters"
    if representation is not None:
        rows = metrics[metrics["representation"] == representation]
        if rows.empty:
            raise ValueError(f"report.clusters.representation: {representation!r} has no evaluation")
        return representation, best_algorithms(rows, metric)[representation], \
            f"named in report.clusters; its best algorithm by {name}"
    if algorithm is not None:  # the best representation for that algorithm
        metrics = metrics[metrics["algorithm"] == algorithm]
    winner = first_choice(rank_representations(metrics, metric))
    how = f"the summary's first-ranked{' unmarked' if winner['unmarked'] else ''} representation, by {name}"
    if algorithm is not None:
        how = f"the first-ranked{' unmarked' if winner['unmarked'] else ''} representation with {algorithm} " \
              f"(report.clusters.algorithm), by {name}"
    return str(winner["representation"]), str(winner["algorithm"]), how


def comparison_note(comparisons: pd.DataFrame, metric: str) -> str:
    """What Δ is and the test of whether it holds ("" when nothing is compared)."""
    if comparisons.empty:
        return ""
    note = ("Δ: the difference from the strongest baseline (PCA or raw) of the same features, each at its own best "
            f"algorithm{' (negative is better)' if metric in LOWER_IS_BETTER else ''}")
    if len(comparisons) and (comparisons["verdict"] != "one seed: not tested").any():
        return note + "; it holds when it has the same sign on every seed."
    return note + "; one seed: not tested whether it holds (that needs the same sign on every one of several seeds)."
