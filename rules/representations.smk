# Representations: the vectors clustering reads, one latents table per (representation, seed).
# The baselines (PCA, raw features) are computed here; learned models plug in beside them
# under the same output layout.


rule baseline_representation:
    input:
        representation_features,
    output:
        latents=f"{RESULTS}/{{dataset}}/models/{{rep}}/seed-{{seed}}/latents.parquet",
    wildcard_constraints:
        rep=alternatives([n for n, r in REPRESENTATIONS.items() if r["family"] in BASELINE_FAMILIES]),
    params:
        spec=lambda wc: REPRESENTATIONS[wc.rep],
    log:
        f"{RESULTS}/{{dataset}}/logs/models/{{rep}}/seed-{{seed}}.log",
    resources:
        mem_mb=resources_for("features_mem_mb", 4000),
        runtime=resources_for("runtime_min", 60),
    conda:
        "../envs/musiclust.yaml"
    script:
        "../workflow_scripts/baseline_representation.py"
