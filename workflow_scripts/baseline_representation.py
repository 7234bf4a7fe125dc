"""Rule baseline_representation: PCA or raw (standardised) features → latents.parquet."""

from musiclust.logs import log_to_file
from musiclust.representations.baseline import pca_representation, raw_representation
from musiclust.representations.latents import write_latents
from musiclust.tables import read_array_shards

log = log_to_file(snakemake.log[0])
spec = snakemake.params.spec
ids, features = read_array_shards(list(snakemake.input), spec["features"])
standardize = spec.get("standardize", True)
if spec["family"] == "pca":
    representation = pca_representation(
        features, spec.get("n_components", 32), int(snakemake.wildcards.seed), standardize_input=standardize
    )
else:
    representation = raw_representation(features, standardize_input=standardize)
info = {**representation.info, "representation": snakemake.wildcards.rep, "features": spec["features"]}
write_latents(snakemake.output.latents, ids, representation.vectors, info=info)
log.info("%s: %d tracks × %d dims", snakemake.wildcards.rep, *representation.vectors.shape)
