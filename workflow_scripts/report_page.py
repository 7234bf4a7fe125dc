"""Rule report_page: results/{dataset}/report/index.html, one self-contained page, the answer first."""

import json
from pathlib import Path

import pandas as pd

from musiclust.logs import log_to_file
from musiclust.report.captions import describe_figure
from musiclust.report.clusters import cluster_overview
from musiclust.report.disentanglement_table import disentanglement_summary
from musiclust.report.page import Figure, clusters_section, render_page, summary_section
from musiclust.report.ranking import (METRIC_TITLES, baseline_comparisons, chosen_clustering, comparison_note,
                                      has_genres, headline, metric_note, rank_representations, ranking_metric,
                                      summary_rows)
from musiclust.report.summary import layout_summary, study_tables

log = log_to_file(snakemake.log[0])
params = snakemake.params
metrics = pd.read_csv(snakemake.input.metrics)
metric = ranking_metric(metrics, params.best_by)
ranking = rank_representations(metrics, metric)
comparisons = baseline_comparisons(metrics, ranking, params.baselines, metric)
figures = [Figure(*describe_figure(f["kind"], f["name"], f["method"], params.best_by, metric), f["path"])
           for f in params.figures]
summary = summary_section(headline(ranking, comparisons, metric),
                          metric_note(metric, params.best_by, has_genres(metrics)) + " " + comparison_note(comparisons, metric),
                          summary_rows(ranking, comparisons, metric), [f for f in figures if f.section == "Summary"])

clusters = pd.read_csv(snakemake.input.clusters, dtype={"title": str, "artist": str, "file": str, "genre": str})
representation, algorithm = clusters["representation"].iloc[0], clusters["algorithm"].iloc[0]
how = chosen_clustering(metrics, params.best_by, params.clusters["representation"], params.clusters["algorithm"])[2]
n_clusters = clusters.loc[clusters["cluster"] >= 0, "cluster"].nunique()
cluster_html = clusters_section(
    f"{representation} clustered by {algorithm} ({how}; seed {clusters['seed'].iloc[0]}): {len(clusters)} tracks in "
    f"{n_clusters} clusters.",
    "Every track with its cluster and distance to the centre: clusters.csv; one playlist per cluster: playlists/ "
    "(open one in a music player); each track's nearest tracks: neighbours.csv. Choose another clustering with "
    "report.clusters in the config.", cluster_overview(clusters, params.clusters["shown"]))

tables = [("Clustering results", f"Mean ± std over seeds, one row per representation × algorithm, grouped by the "
           f"summary's ranking, each representation's best algorithm (by {METRIC_TITLES[metric]}) first; tracks: the tracks each "
           "row clustered; highlighted rows are marked (collapsed or degenerate model, noise-dominated density "
           "clustering, failed run); † trained with the genre labels.", study_tables(metrics, metric)["all"])]
study = layout_summary(metrics, params.layout, params.labels)
if study:  # the study's table first, laid out like it (report.layout)
    tables.insert(0, (study[0], "Laid out like the study's table, to read side by side with it.", study[1]))
if "disentanglement" in snakemake.input.keys():
    rows = pd.read_csv(snakemake.input.disentanglement)
    tables.append(("Disentanglement", "Per learned model, mean ± std over seeds.", disentanglement_summary(rows)))
lyrics = pd.read_parquet(snakemake.input.lyrics, columns=["track_id", "status"]) if "lyrics" in snakemake.input.keys() else None
page = render_page(dataset=snakemake.wildcards.dataset, config=params.config,
                   tracks=pd.read_parquet(snakemake.input.tracks),
                   failures=pd.read_csv(snakemake.input.failures), lyrics=lyrics, tables=tables, figures=figures,
                   selection=json.loads(Path(snakemake.input.selection).read_text(encoding="utf-8")),
                   summary=summary, clusters=cluster_html)
Path(snakemake.output[0]).write_text(page, encoding="utf-8")
log.info("%d figures, %d tables, %.1f MB", len(figures), len(tables), len(page) / 1e6)
