"""Rule report_metric_figures: the summary's ranking, metric heatmap, silhouette/ARI/NMI bars, cluster × genre contingency."""

import pandas as pd

from musiclust.logs import log_to_file
from musiclust.report.loading import best_clustering, save_figure
from musiclust.report.metric_plots import contingency_figure, metric_bars, metrics_heatmap, ranking_figure
from musiclust.report.ranking import rank_representations, ranking_metric
from musiclust.report.summary import best_algorithms

log = log_to_file(snakemake.log[0])
metrics = pd.read_csv(snakemake.input.metrics)
best = best_algorithms(metrics, snakemake.params.best_by)
score = ranking_metric(metrics, snakemake.params.best_by)  # the summary's
save_figure(ranking_figure(metrics, rank_representations(metrics, score), score), snakemake.output.ranking)
save_figure(metrics_heatmap(metrics), snakemake.output.heatmap)
save_figure(metric_bars(metrics, best), snakemake.output.bars)
entries = [best_clustering(path, snakemake.input.tracks, best.get(path.rsplit("/", 2)[-2], "kmeans"))
           for path in snakemake.input.evaluations]
save_figure(contingency_figure(entries), snakemake.output.contingency)
log.info("best algorithms (by %s): %s", snakemake.params.best_by, best)
