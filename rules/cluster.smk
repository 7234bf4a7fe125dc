# Evaluation: one job per (representation, seed) reads the latents once, runs every configured
# clustering algorithm and scores each; an edit to one algorithm reruns these jobs and the
# tables, never a feature, training or download job.


rule evaluate:
    input:
        latents=f"{RESULTS}/{{dataset}}/models/{{rep}}/seed-{{seed}}/latents.parquet",
        tracks=f"{RESULTS}/{{dataset}}/tracks.parquet",
    output:
        f"{RESULTS}/{{dataset}}/evaluation/{{rep}}/seed-{{seed}}.parquet",
    params:
        algorithms=config["clustering"]["algorithms"],
        standardize=config["clustering"]["standardize"],
    priority: evaluation_priority
    log:
        f"{RESULTS}/{{dataset}}/logs/evaluation/{{rep}}/seed-{{seed}}.log",
    resources:
        mem_mb=evaluation_mem,
    conda:
        "../envs/musiclust.yaml"
    script:
        "../workflow_scripts/evaluate.py"
