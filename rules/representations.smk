# Representations: the vectors clustering reads, one latents table per (representation, seed).
# The baselines (PCA, raw features) are computed here; learned models plug in beside them
# under the same output layout.


rule baseline_representation:
    input:
        features=representation_features,
    output:
        latents=f"{RESULTS}/{{dataset}}/models/{{rep}}/seed-{{seed}}/latents.parquet",
    wildcard_constraints:
        rep=alternatives(representations_of("baseline")),
    priority: PRIORITY["baselines"]
    params:
        spec=lambda wc: REPRESENTATIONS[wc.rep],
        memory_budget_mb=MEMORY_BUDGET_MB,
        min_effective_dims=config["analysis"]["min_effective_dims"],
    log:
        f"{RESULTS}/{{dataset}}/logs/models/{{rep}}/seed-{{seed}}.log",
    resources:
        mem_mb=representation_mem_mb(copies=IN_MEMORY_COPIES),
        runtime=resources_for("runtime_min"),
    conda:
        "../envs/musiclust.yaml"
    script:
        "../workflow_scripts/baseline_representation.py"


# Per representation: its training settings over `training:`'s (resources included), and its
# spec without resource keys for params (editing a resource reruns nothing).
TRAINING_OF = {rep: {**TRAINING, **REPRESENTATIONS[rep]["training"]} for rep in representations_of("learned")}
SPEC_PARAMS = {
    rep: {**spec, "training": {k: v for k, v in spec["training"].items() if k not in TRAINING_RESOURCE_KEYS}}
    if "training" in spec else spec
    for rep, spec in REPRESENTATIONS.items()
}


rule train_model:
    input:
        unpack(training_inputs),
    output:
        checkpoint=f"{RESULTS}/{{dataset}}/models/{{rep}}/seed-{{seed}}/checkpoint.pt",
        history=f"{RESULTS}/{{dataset}}/models/{{rep}}/seed-{{seed}}/history.parquet",
        latents=f"{RESULTS}/{{dataset}}/models/{{rep}}/seed-{{seed}}/latents.parquet",
    wildcard_constraints:
        rep=alternatives(representations_of("learned")),
    priority: PRIORITY["training"]
    params:
        spec=lambda wc: SPEC_PARAMS[wc.rep],
        defaults={k: v for k, v in TRAINING.items() if k not in TRAINING_RESOURCE_KEYS},
        collapse=config["analysis"],
    threads: lambda wc: TRAINING_OF[wc.rep]["threads"]
    log:
        f"{RESULTS}/{{dataset}}/logs/models/{{rep}}/seed-{{seed}}.log",
    resources:
        mem_mb=representation_mem_mb(copies=2, floor=lambda wc: TRAINING_OF[wc.rep]["mem_mb"]),
        # A resource, not a param: it moves where the rows live (memory or a memory map), not
        # the model, so editing it reruns nothing.
        memory_budget_mb=MEMORY_BUDGET_MB,
        runtime=lambda wc: TRAINING_OF[wc.rep]["runtime_min"],
        gpu=lambda wc: TRAINING_OF[wc.rep]["gpus"],
    conda:
        "../envs/musiclust.yaml"
    script:
        "../workflow_scripts/train_model.py"


rule hybrid_representation:
    input:
        parts=hybrid_parts,
    output:
        latents=f"{RESULTS}/{{dataset}}/models/{{rep}}/seed-{{seed}}/latents.parquet",
    wildcard_constraints:
        rep=alternatives(representations_of("hybrid")),
    priority: PRIORITY["baselines"]
    params:
        spec=lambda wc: REPRESENTATIONS[wc.rep],
        min_effective_dims=config["analysis"]["min_effective_dims"],
    log:
        f"{RESULTS}/{{dataset}}/logs/models/{{rep}}/seed-{{seed}}.log",
    resources:
        mem_mb=resources_for("default_mem_mb"),
        runtime=resources_for("runtime_min"),
    conda:
        "../envs/musiclust.yaml"
    script:
        "../workflow_scripts/hybrid_representation.py"


rule table_features:
    input:
        tracks=f"{RESULTS}/{{dataset}}/tracks.parquet",
        table=lambda wc: DATASETS[wc.dataset]["path"],
    output:
        f"{RESULTS}/{{dataset}}/features/table/shard-0.parquet",
    wildcard_constraints:
        dataset=alternatives(names_of("table")),
    priority: PRIORITY["inputs"]
    log:
        f"{RESULTS}/{{dataset}}/logs/features/table.log",
    resources:
        mem_mb=resources_for("features_mem_mb"),
    conda:
        "../envs/musiclust.yaml"
    script:
        "../workflow_scripts/table_features.py"
