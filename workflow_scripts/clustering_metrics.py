"""Rule clustering_metrics: score one clustering, internal geometry and genre agreement."""

import json

from musiclust.cluster.algorithms import clustering_space
from musiclust.cluster.labels import genres_of
from musiclust.cluster.metrics import clustering_metrics
from musiclust.logs import log_to_file
from musiclust.representations.latents import read_latents
from musiclust.tables import read_table, table_metadata, track_ids

log = log_to_file(snakemake.log[0])
ids, vectors, info = read_latents(snakemake.input.latents)
clusters = read_table(snakemake.input.clusters)
if not (track_ids(clusters) == ids).all():
    raise ValueError(f"{snakemake.input.clusters} and {snakemake.input.latents} list different tracks")
labels = clusters.column("cluster").to_numpy()
metrics = clustering_metrics(
    clustering_space(vectors, snakemake.params.standardize), labels, genres_of(snakemake.input.tracks, ids)
)
record = {
    "representation": snakemake.wildcards.rep,
    "algorithm": snakemake.wildcards.algorithm,
    "seed": int(snakemake.wildcards.seed),
    "family": info.get("family"),
    "saw_labels": bool(info.get("saw_labels", False)),
    "k": table_metadata(clusters, "k"),
    **metrics,
}
with open(snakemake.output[0], "w", encoding="utf-8") as handle:
    json.dump(record, handle, indent=2)
log.info("%s", record)
