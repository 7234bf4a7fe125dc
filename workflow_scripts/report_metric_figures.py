"""Rule report_metric_figures: metric heatmap, silhouette/ARI/NMI bars, cluster × genre contingency."""

import pandas as pd

from musiclust.logs import log_to_file
from musiclust.report.loading import best_clustering, save_figure
from musiclust.report.metric_plots import contingency_figure, metric_bars, metrics_heatmap
from musiclust.report.summary import best_algorithms

log = log_to_file(snakemake.log[0])
metrics = pd.read_csv(snakemake.input.metrics)
best = best_algorithms(metrics, snakemake.params.best_by)
save_figure(metrics_heatmap(metrics), snakemake.output.heatmap)
save_figure(metric_bars(metrics, best), snakemake.output.bars)
entries = [best_clustering(path, snakemake.input.tracks, best.get(path.rsplit("/", 2)[-2], "kmeans"))
           for path in snakemake.input.evaluations]
save_figure(contingency_figure(entries), snakemake.output.contingency)
log.info("best algorithms (by %s): %s", snakemake.params.best_by, best)
