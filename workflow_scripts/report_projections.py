"""Rule report_projections: 2-D projections of every representation by cluster and genre, and the
β grid of each sweep, for each configured projection method (each latent space projected once)."""

from pathlib import Path

import pandas as pd

from musiclust.logs import log_to_file
from musiclust.report.loading import clustered_projection, save_figure
from musiclust.report.projections import beta_grid_figure, projection_figure
from musiclust.report.summary import best_algorithms

log = log_to_file(snakemake.log[0])
out = Path(snakemake.output[0])
best = best_algorithms(pd.read_csv(snakemake.input.metrics), snakemake.params.best_by)
for method in snakemake.params.methods:
    entries = {}
    for latents, evaluation in zip(snakemake.input.latents, snakemake.input.evaluations):
        rep = Path(evaluation).parent.name
        entries[rep] = clustered_projection(latents, evaluation, snakemake.input.tracks, best.get(rep, "kmeans"),
                                            method, seed=snakemake.params.seed, max_points=snakemake.params.max_points)
        log.info("%s: %d points projected by %s", rep, len(entries[rep]["points"]), method)
    save_figure(projection_figure(list(entries.values()), method), out / f"projections-{method}.png")
    for sweep, members in snakemake.params.sweeps.items():
        grid = beta_grid_figure([entries[rep] for rep in members if rep in entries], method, sweep)
        save_figure(grid, out / f"beta-grid-{sweep}-{method}.png")
