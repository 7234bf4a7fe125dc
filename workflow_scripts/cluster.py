"""Rule cluster: cluster one representation's latents with one algorithm and seed."""

import numpy as np

from musiclust.cluster.algorithms import cluster_vectors, clustering_space
from musiclust.cluster.labels import genre_count, genres_of
from musiclust.logs import log_to_file
from musiclust.representations.latents import read_latents
from musiclust.tables import build_table, write_table

log = log_to_file(snakemake.log[0])
ids, vectors, _ = read_latents(snakemake.input.latents)
space = clustering_space(vectors, snakemake.params.standardize)
n_genres = genre_count(genres_of(snakemake.input.tracks, ids))
algorithm = snakemake.wildcards.algorithm
result = cluster_vectors(space, algorithm, snakemake.params.algorithm, seed=int(snakemake.wildcards.seed), n_genres=n_genres)
table = build_table(
    ids,
    columns={"cluster": np.asarray(result.labels, dtype=np.int32)},
    metadata={"algorithm": algorithm, "k": result.k, "k_scores": {str(k): s for k, s in result.k_scores.items()}},
)
write_table(table, snakemake.output[0])
log.info("%s on %s: %d clusters", algorithm, snakemake.wildcards.rep, len(set(result.labels) - {-1}))
