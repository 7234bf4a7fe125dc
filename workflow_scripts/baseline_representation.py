"""Rule baseline_representation: PCA or raw (standardised) features → latents.parquet."""

from musiclust.logs import log_to_file
from musiclust.representations.estimators import PCARepresentation, RawRepresentation
from musiclust.representations.inputs import read_features
from musiclust.representations.latents import write_latents

log = log_to_file(snakemake.log[0])
spec = snakemake.params.spec
seed = int(snakemake.wildcards.seed)
ids, features = read_features(list(snakemake.input), spec["features"])
standardize = spec.get("standardize", True)
if spec["family"] == "pca":
    model = PCARepresentation(spec.get("n_components", 32), standardize=standardize, seed=seed)
else:
    model = RawRepresentation(standardize=standardize)
vectors = model.fit_transform(features)
info = {**model.info(), "representation": snakemake.wildcards.rep, "features": spec["features"], "seed": seed,
        "latent_dim": int(vectors.shape[1])}
write_latents(snakemake.output.latents, ids, vectors, info=info)
log.info("%s: %d tracks × %d dims", snakemake.wildcards.rep, *vectors.shape)
