# Clustering and its metrics, one job per (representation, algorithm, seed).


rule cluster:
    input:
        latents=f"{RESULTS}/{{dataset}}/models/{{rep}}/seed-{{seed}}/latents.parquet",
        tracks=f"{RESULTS}/{{dataset}}/tracks.parquet",
    output:
        f"{RESULTS}/{{dataset}}/clusters/{{rep}}/{{algorithm}}/seed-{{seed}}.parquet",
    params:
        algorithm=lambda wc: config["clustering"]["algorithms"][wc.algorithm],
        standardize=config["clustering"].get("standardize", True),
    log:
        f"{RESULTS}/{{dataset}}/logs/clusters/{{rep}}/{{algorithm}}/seed-{{seed}}.log",
    resources:
        mem_mb=resources_for("default_mem_mb", 2000),
    conda:
        "../envs/musiclust.yaml"
    script:
        "../workflow_scripts/cluster.py"


rule clustering_metrics:
    input:
        clusters=f"{RESULTS}/{{dataset}}/clusters/{{rep}}/{{algorithm}}/seed-{{seed}}.parquet",
        latents=f"{RESULTS}/{{dataset}}/models/{{rep}}/seed-{{seed}}/latents.parquet",
        tracks=f"{RESULTS}/{{dataset}}/tracks.parquet",
    output:
        f"{RESULTS}/{{dataset}}/metrics/{{rep}}/{{algorithm}}/seed-{{seed}}.json",
    params:
        standardize=config["clustering"].get("standardize", True),
    log:
        f"{RESULTS}/{{dataset}}/logs/metrics/{{rep}}/{{algorithm}}/seed-{{seed}}.log",
    resources:
        mem_mb=resources_for("default_mem_mb", 2000),
    conda:
        "../envs/musiclust.yaml"
    script:
        "../workflow_scripts/clustering_metrics.py"
