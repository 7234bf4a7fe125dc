"""Section, title and caption of each report figure, by kind (shared by the page and its tests)."""

from __future__ import annotations

from musiclust.report.projections import TITLES

SECTIONS = ("Summary", "Projections", "Training", "β sweeps", "Disentanglement", "Metrics")


def describe_figure(kind: str, name: str = "", method: str = "", best_by: str = "ari",
                    score: str = "ari") -> tuple[str, str, str]:
    """``(section, title, caption)`` of a figure of ``kind``; ``score``: the summary's metric."""
    projection = TITLES.get(method, method)
    if kind == "ranking":
        return ("Summary", "Ranking",
                f"Each representation at its best algorithm by {score}: mean ± std over seeds, dots the seeds, best at "
                "the top; grey hatched: marked (collapsed, degenerate, trained with the genres, ...).")
    if kind == "projections":
        return ("Projections", f"{projection} of every representation",
                f"Each representation's latents (first seed) projected to 2-D by {projection}: left coloured by the "
                f"clusters of its best algorithm (by {best_by}; grey crosses: noise), right by genre.")
    if kind == "beta_grid":
        return ("β sweeps", f"{name}: {projection} per β",
                f"One {projection} per β of the sweep {name} (first seed): top coloured by genre, bottom by the "
                f"clusters of each model's best algorithm (by {best_by}).")
    if kind == "training":
        return ("Training", f"Training curves: {name}",
                "Per epoch and seed: total loss, reconstruction, KL divergence (β dotted on a second axis when a "
                "warm-up ramps it) and all three relative to their first epoch; dashed: held-out tracks.")
    if kind == "disentanglement":
        return ("Disentanglement", "Disentanglement per model",
                "Mean |correlation| between latent dimensions (lower: more independent), the variance of each "
                "dimension's mean over the tracks (sorted; dotted: the activity threshold), and active dimensions "
                "by KL and by variance; mean ± std over seeds.")
    if kind == "correlation":
        return ("Disentanglement", "Correlation between latent dimensions",
                "|Pearson r| between the latent dimensions of each learned model (encoder means, first seed).")
    if kind == "heatmap":
        return ("Metrics", "Every metric across representations × algorithms",
                "Mean over seeds (annotated); colour scaled per metric so that 1 is the best row (lower is better "
                "for Davies–Bouldin).")
    if kind == "bars":
        return ("Metrics", "Silhouette, ARI and NMI per representation",
                f"Each representation's best algorithm (by {best_by}, named under the bar): mean ± std over seeds, "
                "dots the seeds.")
    if kind == "contingency":
        return ("Metrics", "Clusters × genres",
                f"Tracks per cluster and genre for each representation's best algorithm (by {best_by}), first seed.")
    raise ValueError(f"unknown figure kind {kind!r}")
