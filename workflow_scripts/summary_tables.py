"""Rule summary_tables: mean ± std over seeds in Markdown, LaTeX (booktabs) and CSV, in the
study's layout first when the run names one (report.layout)."""

from pathlib import Path

import pandas as pd

from musiclust.logs import log_to_file
from musiclust.report.summary import summary_csv, summary_latex, summary_markdown

log = log_to_file(snakemake.log[0])
metrics = pd.read_csv(snakemake.input[0])
dataset = snakemake.wildcards.dataset
layout, labels = snakemake.params.layout, snakemake.params.labels
Path(snakemake.output.markdown).write_text(summary_markdown(metrics, dataset, layout, labels), encoding="utf-8")
Path(snakemake.output.latex).write_text(summary_latex(metrics, dataset, layout, labels), encoding="utf-8")
summary_csv(metrics, layout, labels).to_csv(snakemake.output.csv, index=False)
log.info("%d metric rows summarised (layout %s)", len(metrics), layout)
