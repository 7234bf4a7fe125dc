# Report: every metric of a dataset in one CSV, a mean ± std Markdown table, and the list
# of tracks that were left out and why.


rule metrics_table:
    input:
        evaluations=evaluation_files,
        failures=failure_shards,
        excluded=f"{RESULTS}/{{dataset}}/tracks_excluded.csv",
    output:
        csv=f"{RESULTS}/{{dataset}}/report/metrics.csv",
        markdown=f"{RESULTS}/{{dataset}}/report/metrics.md",
        failures=f"{RESULTS}/{{dataset}}/report/failures.csv",
    log:
        f"{RESULTS}/{{dataset}}/logs/report/metrics_table.log",
    resources:
        mem_mb=resources_for("default_mem_mb", 2000),
    conda:
        "../envs/musiclust.yaml"
    script:
        "../workflow_scripts/metrics_table.py"


rule disentanglement_table:
    input:
        unpack(learned_model_files),
    output:
        csv=f"{RESULTS}/{{dataset}}/report/disentanglement.csv",
        markdown=f"{RESULTS}/{{dataset}}/report/disentanglement.md",
    params:
        kl_threshold=config.get("analysis", {}).get("kl_threshold", 0.01),
    log:
        f"{RESULTS}/{{dataset}}/logs/report/disentanglement_table.log",
    resources:
        mem_mb=resources_for("default_mem_mb", 2000),
    conda:
        "../envs/musiclust.yaml"
    script:
        "../workflow_scripts/disentanglement_table.py"
