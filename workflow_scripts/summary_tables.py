"""Rule summary_tables: mean ± std over seeds in Markdown, LaTeX (booktabs) and CSV."""

from pathlib import Path

import pandas as pd

from musiclust.logs import log_to_file
from musiclust.report.summary import study_tables, summary_latex, summary_markdown

log = log_to_file(snakemake.log[0])
metrics = pd.read_csv(snakemake.input[0])
dataset = snakemake.wildcards.dataset
Path(snakemake.output.markdown).write_text(summary_markdown(metrics, dataset), encoding="utf-8")
Path(snakemake.output.latex).write_text(summary_latex(metrics, dataset), encoding="utf-8")
study_tables(metrics)["all"].to_csv(snakemake.output.csv, index=False)
log.info("%d metric rows summarised", len(metrics))
