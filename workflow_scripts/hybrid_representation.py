"""Rule hybrid_representation: the latents of its parts (same seed) → one fused latents table,
carrying its parts' marks (saw_labels, collapsed, degenerate) and its own effective dimensionality."""

from musiclust.logs import log_to_file
from musiclust.representations.geometry import geometry_info
from musiclust.representations.hybrid import fuse_latents, inherited_marks
from musiclust.representations.latents import read_latents, write_latents

log = log_to_file(snakemake.log[0])
spec = snakemake.params.spec
latents = {name: read_latents(path) for name, path in zip(spec["parts"], snakemake.input.parts)}
ids, fused, info = fuse_latents({name: part[:2] for name, part in latents.items()},
                                spec["family"].removeprefix("hybrid_"), spec.get("weights"))
own = geometry_info(fused, snakemake.params.min_effective_dims)
info = {**info, **own, **inherited_marks({name: part[2] for name, part in latents.items()}, own["degenerate"]),
        "family": spec["family"], "representation": snakemake.wildcards.rep, "seed": int(snakemake.wildcards.seed)}
write_latents(snakemake.output.latents, ids, fused, info=info)
log.info("%s: %d tracks × %d dims from %s; tracks missing per part %s; variance per block %s; "
         "effective dims %.2f; marked parts %s", snakemake.wildcards.rep, *fused.shape, info["parts"],
         info["tracks_missing_per_part"], [round(v, 3) for v in info["block_variance"]], info["effective_dims"],
         info["marked_parts"])
