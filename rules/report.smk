# Report: every metric of a dataset in one CSV, a mean ± std Markdown table, and the list
# of tracks that were left out and why; summary tables (Markdown, LaTeX, CSV), figures and
# one self-contained page, index.html. Outputs wrapped in report() also appear in
# `snakemake --report` (README, "Report").

report: "../report/workflow.rst"

include: "report_inputs.smk"

# The study's layout the summary tables lead with (report/layouts.py), and the study's row names.
LAYOUT = REPORT["layout"]
LABELS = REPORT["labels"]


rule metrics_table:
    input:
        evaluations=evaluation_files,
        failures=failure_shards,
        excluded=f"{RESULTS}/{{dataset}}/tracks_excluded.csv",
    output:
        csv=report(f"{RESULTS}/{{dataset}}/report/metrics.csv", caption="../report/captions/metrics.rst", category="clustering"),
        markdown=f"{RESULTS}/{{dataset}}/report/metrics.md",
        failures=report(f"{RESULTS}/{{dataset}}/report/failures.csv", caption="../report/captions/failures.rst", category="data"),
    log:
        f"{RESULTS}/{{dataset}}/logs/report/metrics_table.log",
    resources:
        mem_mb=resources_for("default_mem_mb"),
    conda:
        "../envs/musiclust.yaml"
    script:
        "../workflow_scripts/metrics_table.py"


# The baselines' numbers while the learned models train (rules/priorities.smk); metrics.md has all.
rule baseline_table:
    input:
        evaluations=lambda wc: baseline_evaluation_files(wc.dataset),
    output:
        f"{RESULTS}/{{dataset}}/report/baselines.md",
    priority: PRIORITY["baselines"]
    log:
        f"{RESULTS}/{{dataset}}/logs/report/baseline_table.log",
    conda:
        "../envs/musiclust.yaml"
    script:
        "../workflow_scripts/baseline_table.py"


rule disentanglement_table:
    input:
        unpack(learned_model_files),
    output:
        csv=report(f"{RESULTS}/{{dataset}}/report/disentanglement.csv", caption="../report/captions/disentanglement_table.rst", category="models"),
        markdown=f"{RESULTS}/{{dataset}}/report/disentanglement.md",
    params:
        kl_threshold=config["analysis"]["kl_threshold"],
        floor_margin=config["analysis"]["floor_margin"],
        min_effective_dims=config["analysis"]["min_effective_dims"],
    log:
        f"{RESULTS}/{{dataset}}/logs/report/disentanglement_table.log",
    resources:
        mem_mb=resources_for("default_mem_mb"),
    conda:
        "../envs/musiclust.yaml"
    script:
        "../workflow_scripts/disentanglement_table.py"


# --------------------------------------------------------------------------- figures and page


rule report_projections:
    input:
        unpack(lambda wc: first_seed_files(dataset_reps(wc.dataset), wc.dataset)),
        metrics=f"{RESULTS}/{{dataset}}/report/metrics.csv",
        tracks=f"{RESULTS}/{{dataset}}/tracks.parquet",
    output:
        report(directory(f"{RESULTS}/{{dataset}}/report/figures/projections"), patterns=["{name}.png"],
               caption="../report/captions/projections.rst", category="figures", subcategory="projections"),
    params:
        methods=PROJECTION_METHODS,
        sweeps=lambda wc: {sweep: SWEEPS[sweep] for sweep in sweeps_of(wc.dataset)},
        best_by=BEST_BY,
        max_points=MAX_POINTS,
        seed=SEEDS[0],
    log:
        f"{RESULTS}/{{dataset}}/logs/report/projections.log",
    resources:
        mem_mb=resources_for("default_mem_mb"),
    conda:
        "../envs/musiclust.yaml"
    script:
        "../workflow_scripts/report_projections.py"


rule report_model_figures:
    input:
        unpack(model_figure_inputs),
    output:
        report(directory(f"{RESULTS}/{{dataset}}/report/figures/models"), patterns=["{name}.png"],
               caption="../report/captions/models.rst", category="models", subcategory="figures"),
    log:
        f"{RESULTS}/{{dataset}}/logs/report/model_figures.log",
    resources:
        mem_mb=resources_for("default_mem_mb"),
    conda:
        "../envs/musiclust.yaml"
    script:
        "../workflow_scripts/report_model_figures.py"


rule report_metric_figures:
    input:
        unpack(lambda wc: first_seed_files(dataset_reps(wc.dataset), wc.dataset)),
        metrics=f"{RESULTS}/{{dataset}}/report/metrics.csv",
        tracks=f"{RESULTS}/{{dataset}}/tracks.parquet",
    output:
        heatmap=report(f"{RESULTS}/{{dataset}}/report/figures/metrics-heatmap.png",
                       caption="../report/captions/heatmap.rst", category="clustering", subcategory="figures"),
        bars=report(f"{RESULTS}/{{dataset}}/report/figures/metric-bars.png",
                    caption="../report/captions/bars.rst", category="clustering", subcategory="figures"),
        contingency=report(f"{RESULTS}/{{dataset}}/report/figures/contingency.png",
                           caption="../report/captions/contingency.rst", category="clustering", subcategory="figures"),
        ranking=report(f"{RESULTS}/{{dataset}}/report/figures/ranking.png",
                       caption="../report/captions/ranking.rst", category="clustering", subcategory="figures"),
    params:
        best_by=BEST_BY,
    log:
        f"{RESULTS}/{{dataset}}/logs/report/metric_figures.log",
    resources:
        mem_mb=resources_for("default_mem_mb"),
    conda:
        "../envs/musiclust.yaml"
    script:
        "../workflow_scripts/report_metric_figures.py"


rule summary_tables:
    input:
        f"{RESULTS}/{{dataset}}/report/metrics.csv",
    output:
        markdown=f"{RESULTS}/{{dataset}}/report/summary.md",
        latex=report(f"{RESULTS}/{{dataset}}/report/summary.tex", caption="../report/captions/summary.rst",
                     category="clustering", subcategory="tables"),
        csv=report(f"{RESULTS}/{{dataset}}/report/summary.csv", caption="../report/captions/summary.rst",
                   category="clustering", subcategory="tables"),
    params:
        layout=LAYOUT,
        labels=LABELS,
    log:
        f"{RESULTS}/{{dataset}}/logs/report/summary_tables.log",
    resources:
        mem_mb=resources_for("default_mem_mb"),
    conda:
        "../envs/musiclust.yaml"
    script:
        "../workflow_scripts/summary_tables.py"


# The clusters a person uses: which tracks went together (clusters.csv), a playlist per cluster,
# each track's nearest tracks. Reads only the chosen representation's files when config names it.
rule report_clusters:
    input:
        unpack(cluster_inputs),
    output:
        clusters=report(f"{RESULTS}/{{dataset}}/report/clusters.csv", caption="../report/captions/clusters.rst",
                        category="clustering", subcategory="clusters"),
        neighbours=report(f"{RESULTS}/{{dataset}}/report/neighbours.csv", caption="../report/captions/neighbours.rst",
                          category="clustering", subcategory="clusters"),
        playlists=directory(f"{RESULTS}/{{dataset}}/report/playlists"),
    params:
        representation=CLUSTERS["representation"],
        algorithm=CLUSTERS["algorithm"],
        neighbours=CLUSTERS["neighbours"],
        best_by=BEST_BY,
        standardize=config["clustering"]["standardize"],
        seed=SEEDS[0],
    log:
        f"{RESULTS}/{{dataset}}/logs/report/clusters.log",
    resources:
        mem_mb=resources_for("default_mem_mb"),
    conda:
        "../envs/musiclust.yaml"
    script:
        "../workflow_scripts/report_clusters.py"


rule report_page:
    input:
        unpack(page_inputs),
    output:
        report(f"{RESULTS}/{{dataset}}/report/index.html", caption="../report/captions/page.rst", category="data"),
    params:
        figures=lambda wc: [{"path": path, "kind": kind, "name": name, "method": method}
                            for path, kind, name, method in figure_list(wc.dataset)],
        best_by=BEST_BY,
        layout=LAYOUT,
        labels=LABELS,
        baselines=lambda wc: representation_baselines(wc.dataset),
        clusters=CLUSTERS,
        config=config,
    log:
        f"{RESULTS}/{{dataset}}/logs/report/page.log",
    resources:
        mem_mb=resources_for("default_mem_mb"),
    conda:
        "../envs/musiclust.yaml"
    script:
        "../workflow_scripts/report_page.py"
