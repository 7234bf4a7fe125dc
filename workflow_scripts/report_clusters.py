"""Rule report_clusters: the chosen clustering (report.clusters, else the summary's first-ranked)
as clusters.csv, one M3U playlist per cluster and neighbours.csv."""

import pandas as pd

from musiclust.cluster.algorithms import clustering_space
from musiclust.cluster.evaluation import read_evaluation
from musiclust.logs import log_to_file
from musiclust.report.clusters import cluster_table, neighbour_table, write_playlists
from musiclust.report.loading import file_of
from musiclust.report.ranking import chosen_clustering
from musiclust.report.metrics_tables import gather_metrics
from musiclust.representations.latents import read_latents

log = log_to_file(snakemake.log[0])
params = snakemake.params
# The whole run's metrics when the summary chooses; a named representation's own evaluations otherwise.
metrics = pd.read_csv(snakemake.input.metrics) if "metrics" in snakemake.input.keys() \
    else gather_metrics(snakemake.input.rep_evaluations)
representation, algorithm, how = chosen_clustering(metrics, params.best_by, params.representation, params.algorithm)
latents = file_of(snakemake.input.latents, representation)  # (inputs: the first seed's)
evaluation = file_of(snakemake.input.evaluations, representation)
ids, vectors, _ = read_latents(latents)
eval_ids, result, _ = read_evaluation(evaluation)
if algorithm not in result.labels:
    raise ValueError(f"report.clusters: {algorithm!r} has no clusters for {representation} (seed {params.seed}): "
                     f"it failed or is not configured; clustered: {', '.join(result.labels) or 'none'}")
labels = pd.Series(result.labels[algorithm], index=eval_ids).reindex(ids).fillna(-1).astype(int).to_numpy()
space = clustering_space(vectors, params.standardize)  # where the clusters were found
tracks = pd.read_parquet(snakemake.input.tracks)
clusters = cluster_table(ids, space, labels, tracks).assign(representation=representation, algorithm=algorithm,
                                                            seed=params.seed)
clusters.to_csv(snakemake.output.clusters, index=False)
neighbour_table(ids, space, tracks, params.neighbours).to_csv(snakemake.output.neighbours, index=False)
playlists = write_playlists(clusters, snakemake.output.playlists)
log.info("%s / %s (%s): %d tracks in %d clusters, %d playlists", representation, algorithm, how, len(clusters),
         clusters.loc[clusters["cluster"] >= 0, "cluster"].nunique(), len(playlists))
