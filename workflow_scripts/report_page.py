"""Rule report_page: results/{dataset}/report/index.html, one self-contained page."""

import json
from pathlib import Path

import pandas as pd

from musiclust.logs import log_to_file
from musiclust.report.captions import describe_figure
from musiclust.report.disentanglement import disentanglement_summary
from musiclust.report.page import Figure, render_page
from musiclust.report.summary import layout_summary, study_tables

log = log_to_file(snakemake.log[0])
metrics = pd.read_csv(snakemake.input.metrics)
tables = [("Clustering results", "Mean ± std over seeds, one row per representation × algorithm; highlighted rows "
           "are marked (collapsed model, noise-dominated density clustering, failed run); † trained with the genre "
           "labels.", study_tables(metrics)["all"])]
study = layout_summary(metrics, snakemake.params.layout, snakemake.params.labels)
if study:  # the study's table first, laid out like it (report.layout)
    tables.insert(0, (study[0], "Laid out like the study's table, to read side by side with it.", study[1]))
if "disentanglement" in snakemake.input.keys():
    rows = pd.read_csv(snakemake.input.disentanglement)
    tables.append(("Disentanglement", "Per learned model, mean ± std over seeds.", disentanglement_summary(rows)))
figures = [Figure(*describe_figure(f["kind"], f["name"], f["method"], snakemake.params.best_by), f["path"])
           for f in snakemake.params.figures]
lyrics = pd.read_parquet(snakemake.input.lyrics, columns=["track_id", "status"]) if "lyrics" in snakemake.input.keys() else None
page = render_page(dataset=snakemake.wildcards.dataset, config=snakemake.params.config,
                   tracks=pd.read_parquet(snakemake.input.tracks),
                   failures=pd.read_csv(snakemake.input.failures), lyrics=lyrics, tables=tables, figures=figures,
                   selection=json.loads(Path(snakemake.input.selection).read_text(encoding="utf-8")))
Path(snakemake.output[0]).write_text(page, encoding="utf-8")
log.info("%d figures, %d tables, %.1f MB", len(figures), len(tables), len(page) / 1e6)
