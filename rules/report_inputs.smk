# Settings and input functions of the report rules (rules/report.smk): which figures a dataset's
# report holds, and what each figure job reads.

from musiclust.representations.registry import same_feature_baselines

REPORT = config["report"]
PROJECTION_METHODS = REPORT["projections"]
BEST_BY = REPORT["best_by"]
MAX_POINTS = REPORT["max_points"]
# β sweeps: sweep name → its expanded representations (one per β).
SWEEPS = {}
for _name, _spec in REPRESENTATIONS.items():
    if "sweep" in _spec:
        SWEEPS.setdefault(_spec["sweep"], []).append(_name)


def first_seed_files(reps, dataset):
    base = dataset_dir(dataset)
    return {
        "latents": [f"{base}/models/{rep}/seed-{SEEDS[0]}/latents.parquet" for rep in reps],
        "evaluations": [f"{base}/evaluation/{rep}/seed-{SEEDS[0]}.parquet" for rep in reps],
    }


def dataset_reps(dataset):
    return representations_for(REPRESENTATIONS, DATASETS[dataset]["kind"])


def sweeps_of(dataset):
    reps = set(dataset_reps(dataset))
    return [sweep for sweep, members in SWEEPS.items() if set(members) <= reps]


def figure_list(dataset):
    """Every figure of a dataset's report: (path, kind, name, method). Projections and model
    figures are drawn by one job each, into a folder (latents and metrics read once)."""
    figures = f"{dataset_dir(dataset)}/report/figures"
    out = [(f"{figures}/projections/projections-{m}.png", "projections", "", m) for m in PROJECTION_METHODS]
    out += [(f"{figures}/projections/beta-grid-{sweep}-{m}.png", "beta_grid", sweep, m) for sweep in sweeps_of(dataset)
            for m in PROJECTION_METHODS]
    learned = representations_of("learned", dataset)
    out += [(f"{figures}/models/training-{rep}.png", "training", rep, "") for rep in learned]
    if learned:
        out += [(f"{figures}/models/disentanglement.png", "disentanglement", "", ""),
                (f"{figures}/models/latent-correlation.png", "correlation", "", "")]
    out += [(f"{figures}/{name}.png", kind, "", "") for name, kind in
            (("ranking", "ranking"), ("metrics-heatmap", "heatmap"), ("metric-bars", "bars"),
             ("contingency", "contingency"))]
    return out


def page_inputs(wildcards):
    base = dataset_dir(wildcards.dataset)
    inputs = {
        "projections": f"{base}/report/figures/projections",
        "metric_figures": f"{base}/report/figures/metrics-heatmap.png",
        "metrics": f"{base}/report/metrics.csv",
        "failures": f"{base}/report/failures.csv",
        "tracks": f"{base}/tracks.parquet",
        "selection": f"{base}/selection.json",
        "clusters": f"{base}/report/clusters.csv",
    }
    if representations_of("learned", wildcards.dataset):
        inputs["model_figures"] = f"{base}/report/figures/models"
        inputs["disentanglement"] = f"{base}/report/disentanglement.csv"
    reads_lyrics = any(features.startswith("lyrics") for rep in dataset_reps(wildcards.dataset)
                       for features in feature_inputs(REPRESENTATIONS[rep]))
    if reads_lyrics and DATASETS[wildcards.dataset]["kind"] != "synthetic_lyrics":  # (there, lyrics are the data)
        inputs["lyrics"] = f"{base}/text/lyrics.parquet"
    return inputs


def model_figure_inputs(wildcards):
    learned = representations_of("learned", wildcards.dataset)
    return {
        "latents": first_seed_files(learned, wildcards.dataset)["latents"],  # not the clusterings
        "histories": [f"{dataset_dir(wildcards.dataset)}/models/{rep}/seed-{seed}/history.parquet"
                      for rep in learned for seed in SEEDS],
        "table": f"{dataset_dir(wildcards.dataset)}/report/disentanglement.csv",
    }


# The clustering of clusters.csv, playlists/ and neighbours.csv (report.clusters; README "Report").
CLUSTERS = REPORT["clusters"]
if CLUSTERS["representation"] is not None and CLUSTERS["representation"] not in REPRESENTATIONS:
    raise WorkflowError(f"report.clusters.representation: {CLUSTERS['representation']!r} is not a representation "
                        f"({', '.join(REPRESENTATIONS)})")
if CLUSTERS["algorithm"] is not None and CLUSTERS["algorithm"] not in config["clustering"]["algorithms"]:
    raise WorkflowError(f"report.clusters.algorithm: {CLUSTERS['algorithm']!r} is not a clustering algorithm "
                        f"({', '.join(config['clustering']['algorithms'])})")


def cluster_inputs(wildcards):
    """What the chosen clustering is read from: a named representation's own files; or, when the
    summary chooses, the whole run's metrics and every representation's first seed."""
    base, reps = dataset_dir(wildcards.dataset), dataset_reps(wildcards.dataset)
    named = CLUSTERS["representation"]
    if named is None:
        return {**first_seed_files(reps, wildcards.dataset), "metrics": f"{base}/report/metrics.csv",
                "tracks": f"{base}/tracks.parquet"}
    if named not in reps:
        raise WorkflowError(f"report.clusters.representation: {named!r} is not built for dataset "
                            f"{wildcards.dataset!r} (its representations: {', '.join(reps)})")
    inputs = {**first_seed_files([named], wildcards.dataset), "tracks": f"{base}/tracks.parquet"}
    if CLUSTERS["algorithm"] is None:  # its best algorithm over the seeds
        inputs["rep_evaluations"] = [f"{base}/evaluation/{named}/seed-{seed}.parquet" for seed in SEEDS]
    return inputs


def representation_baselines(dataset):
    """Each learned or fused representation of a dataset → its baselines of the same features."""
    reps = dataset_reps(dataset)
    return same_feature_baselines({rep: REPRESENTATIONS[rep] for rep in reps})
