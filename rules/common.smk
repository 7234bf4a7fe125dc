# Helpers shared by the rules: config validation, paths, wildcard constraints and the
# input functions that expand over shards, representations, algorithms and seeds.
import os
import re
import sys

import pyarrow.parquet as pq
from snakemake.exceptions import WorkflowError
from snakemake.utils import update_config

# The library is importable by the rules and their jobs (local, conda or SLURM) whether or not
# it was pip-installed: jobs inherit the environment of the snakemake process.
_SOURCE = str(Path(workflow.basedir) / "src")
sys.path.insert(0, _SOURCE)
# (Set, not required: so no `envvars:` directive.)
os.environ.update(PYTHONPATH=os.pathsep.join(p for p in (_SOURCE, os.environ.get("PYTHONPATH")) if p))

from musiclust.text.store import text_feature_path
from musiclust.representations.streaming import BASE_MB, IN_MEMORY_COPIES, declared_mem_mb
from musiclust.parquet_tables import shards_size
from musiclust.config_overrides import coerce_overrides
from musiclust.config_validation import ConfigError, load_schema, validate_config
from musiclust.data.catalog import audio_archive_name, fma_archive_sources
from musiclust.representations.registry import (
    AUDIO_FEATURES,
    FMA_FEATURES,
    TABLE_FEATURES,
    TRAINING_RESOURCE_KEYS,
    expand_representations,
    feature_inputs,
    feature_source,
    part_problems,
    representations_for,
    stage_of,
)

_SCHEMA = load_schema(workflow.source_path("../schemas/config.schema.yaml"))
# `--config` values inside lists and mappings arrive as text: read them as a config file would
# where the schema types them (musiclust.config_overrides), then merge them over it again.
update_config(config, coerce_overrides(workflow.config_settings.config, _SCHEMA))
try:
    validate_config(config, _SCHEMA)
except ConfigError as error:
    raise WorkflowError(str(error)) from None


def _keep_only(section, names, where):
    """`only:` (a preset's choice, README "Presets"): keep just these entries of a mapping."""
    if names is None:
        return section
    unknown = [n for n in names if n not in section]
    if unknown:
        raise WorkflowError(f"only.{where}: {unknown} not in {where} ({', '.join(section)})")
    return {n: section[n] for n in names}


_ONLY = config.get("only") or {}
config["representations"] = _keep_only(config["representations"], _ONLY.get("representations"), "representations")
config["clustering"]["algorithms"] = _keep_only(
    config["clustering"]["algorithms"], _ONLY.get("algorithms"), "algorithms"
)

# The config has every default filled (validate_config: the schema's `default:`), so rules
# index it directly.
RESULTS = config["results_dir"]
RESOURCES = config["resources_dir"]
DATASETS = config["datasets"]
# β sweeps expanded: one representation per β.
REPRESENTATIONS = expand_representations(config["representations"])
# The audio feature kinds some representation reads (an on-demand kind's span is decoded only then).
AUDIO_FEATURES_READ = sorted({f for spec in REPRESENTATIONS.values() for f in feature_inputs(spec) if f in AUDIO_FEATURES})
_PART_PROBLEMS = part_problems(REPRESENTATIONS)  # (after `only:`, which may have left a hybrid's part out)
if _PART_PROBLEMS:
    raise WorkflowError("invalid config:\n  " + "\n  ".join(_PART_PROBLEMS))
SEEDS = config["seeds"]
TRAINING = config["training"]


def names_of(kind):
    return [name for name, spec in DATASETS.items() if spec["kind"] == kind]


def alternatives(names):
    """A regex matching exactly one of ``names`` (or nothing, for an empty list)."""
    return "|".join(re.escape(n) for n in names) if names else "(?!x)x"


def representations_of(stage, dataset=None):
    """Representations built by one stage (``baseline``, ``learned`` or ``hybrid``: the rule
    that builds them), of one dataset's kind when ``dataset`` is given."""
    names = REPRESENTATIONS if dataset is None else representations_for(REPRESENTATIONS, DATASETS[dataset]["kind"])
    return [name for name in names if stage_of(REPRESENTATIONS[name]) == stage]


wildcard_constraints:
    dataset=alternatives(list(DATASETS)),
    rep=alternatives(list(REPRESENTATIONS)),
    kind=alternatives(AUDIO_FEATURES),
    seed=r"\d+",
    shard=r"\d+",


def dataset_dir(dataset):
    return f"{RESULTS}/{dataset}"


def dataset_spec(wildcards):
    return DATASETS[wildcards.dataset]


def resources_for(key):
    return config["resources"][key]


def archive_sources(dataset):
    """Where each archive of an FMA dataset comes from (README, "Data already on disk"); the
    demo's are made by this workflow (generate_demo_archives, then file://)."""
    spec = DATASETS[dataset]
    return fma_archive_sources(spec) if spec["kind"] == "fma" else {}


def archive_folder(dataset, archive):
    """An archive's extracted folder: one already on disk, or the one extract_archive writes."""
    source = archive_sources(dataset).get(archive)
    if source is not None and source.folder is not None:
        if not os.path.isdir(source.folder):
            key = f"archives.{archive}.folder" if archive in (DATASETS[dataset].get("archives") or {}) else "path"
            raise WorkflowError(f"datasets.{dataset}.{key}: {source.folder} is not a folder (an extracted {archive})")
        return source.folder
    return f"{dataset_dir(dataset)}/raw/{archive}"


def metadata_dir(dataset):
    return archive_folder(dataset, "fma_metadata")


def audio_archive(dataset):
    spec = DATASETS[dataset]
    return audio_archive_name(spec["kind"], spec.get("size"))


def source_inputs(wildcards):
    """What track selection reads: extracted metadata and audio; a folder's CSV and manifest."""
    if DATASETS[wildcards.dataset]["kind"] == "table":  # the feature table itself
        return {"table": DATASETS[wildcards.dataset]["path"]}
    if DATASETS[wildcards.dataset]["kind"] == "synthetic_lyrics":  # text only: its lyrics file
        return {"lyrics": f"{RESOURCES}/{wildcards.dataset}/lyrics.jsonl"}
    if DATASETS[wildcards.dataset]["kind"] == "folder":
        return folder_inputs(wildcards.dataset)
    archive = audio_archive(wildcards.dataset)
    if archive is None:
        return {}
    if not needs_audio(wildcards.dataset):  # fma_features and text: the metadata archive is all
        return {"metadata": metadata_dir(wildcards.dataset)}
    return {"metadata": metadata_dir(wildcards.dataset), "audio": archive_folder(wildcards.dataset, archive)}


def needs_audio(dataset):
    """Whether a representation the dataset builds reads audio features: if none does (FMA's
    features.csv, text), no audio archive is fetched and no audio job is planned."""
    specs = [REPRESENTATIONS[rep] for rep in representations_for(REPRESENTATIONS, DATASETS[dataset]["kind"])]
    return any(feature_source(features) == "audio" for spec in specs for features in feature_inputs(spec))


def folder_manifest_path(dataset):
    return f"{dataset_dir(dataset)}/folder_manifest.tsv"


def folder_inputs(dataset):
    """A folder dataset as Snakemake can see it: its CSV, and its audio files summarised (path,
    size, mtime) in a manifest rewritten only when they change (below), so that adding,
    replacing or relabelling a file reruns selection and what follows it, and nothing else."""
    spec = DATASETS[dataset]
    if not os.path.isdir(spec["path"]):
        raise WorkflowError(f"datasets.{dataset}.path: folder {spec['path']} does not exist")
    inputs = {"audio": folder_manifest_path(dataset)}
    if spec.get("metadata_csv"):
        inputs["metadata_csv"] = spec["metadata_csv"]
    return inputs


def _write_folder_manifests():
    """Each folder dataset's manifest, written when its content differs. At parse time: the
    folder is looked at on every run, and before the DAG is built (Snakemake caches which
    files exist then)."""
    from musiclust.data.folder import folder_manifest, write_if_changed

    for dataset in names_of("folder"):
        if os.path.isdir(DATASETS[dataset]["path"]):
            write_if_changed(folder_manifest_path(dataset), folder_manifest(DATASETS[dataset]["path"]))


_write_folder_manifests()


def download_inputs(wildcards):
    """The demo's archives are files this workflow makes; FMA's come from the internet."""
    if DATASETS[wildcards.dataset]["kind"] != "demo":
        return {}
    base = f"{RESOURCES}/{wildcards.dataset}"
    return {"archive": f"{base}/{wildcards.archive}.zip", "checksums": f"{base}/checksums.json"}


def download_source(wildcards):
    """An FMA archive's URL and SHA-1 (a mirror's where config names one); None for the demo."""
    source = archive_sources(wildcards.dataset).get(wildcards.archive)
    return None if source is None else {"url": source.url, "sha1": source.sha1}


def local_zip(wildcards):
    """A zip on disk that config names for this archive (verified, then extracted in place)."""
    source = archive_sources(wildcards.dataset).get(wildcards.archive)
    if source is None or source.zip_path is None:
        raise WorkflowError(f"datasets.{wildcards.dataset}.archives.{wildcards.archive} names no zip on disk")
    return source.zip_path


def extract_inputs(wildcards):
    """The zip to extract: downloaded, or one on disk once its SHA-1 is checked (no copy)."""
    source = archive_sources(wildcards.dataset).get(wildcards.archive)
    raw = f"{dataset_dir(wildcards.dataset)}/raw/{wildcards.archive}"
    if source is not None and source.zip_path is not None:
        return {"zip": source.zip_path, "verified": f"{raw}.sha1"}
    return {"zip": f"{raw}.zip"}


def decode_inputs(wildcards):
    inputs = {"tracks": f"{dataset_dir(wildcards.dataset)}/tracks.parquet"}
    archive = audio_archive(wildcards.dataset)
    if archive is not None:
        inputs["audio"] = archive_folder(wildcards.dataset, archive)
    return inputs


def _warn_unchecked_archives():
    """Once a run: archives whose sha1 is null are used without a check."""
    from snakemake.logging import logger

    for dataset in DATASETS:
        for source in archive_sources(dataset).values():
            if source.folder is None and source.sha1 is None:
                where = source.zip_path or source.url
                logger.warning(f"datasets.{dataset}.archives.{source.name}: sha1 is null, {where} is not checked")


_warn_unchecked_archives()


def n_shards(dataset):
    """Shards of a dataset, known once track selection (a checkpoint) has run."""
    tracks = checkpoints.select_tracks.get(dataset=dataset).output.tracks
    return int(pq.read_schema(tracks).metadata[b"n_shards"])


def feature_shards(kind, dataset):
    return [f"{dataset_dir(dataset)}/features/{kind}/shard-{n}.parquet" for n in range(n_shards(dataset))]


def failure_shards(wildcards):
    return [f"{dataset_dir(wildcards.dataset)}/features/failures/shard-{n}.parquet" for n in range(n_shards(wildcards.dataset))]


def feature_files(features, dataset):
    source = feature_source(features)
    if source == "text":
        return [text_feature_path(dataset_dir(dataset), features)]
    if source in (TABLE_FEATURES, FMA_FEATURES):  # a table's columns: one shard
        return [f"{dataset_dir(dataset)}/features/{features}/shard-0.parquet"]
    return feature_shards(features, dataset)


def representation_features(wildcards):
    return feature_files(REPRESENTATIONS[wildcards.rep]["features"], wildcards.dataset)


def training_inputs(wildcards):
    """A learned model's features, its text embedding (multimodal families) and the tracks."""
    spec = REPRESENTATIONS[wildcards.rep]
    inputs = {"features": representation_features(wildcards), "tracks": f"{dataset_dir(wildcards.dataset)}/tracks.parquet"}
    if "text" in spec:
        inputs["text"] = feature_files(spec["text"], wildcards.dataset)
    return inputs


def hybrid_parts(wildcards):
    """A hybrid reads its parts' latents of the same seed."""
    base = f"{dataset_dir(wildcards.dataset)}/models"
    return [f"{base}/{part}/seed-{wildcards.seed}/latents.parquet" for part in REPRESENTATIONS[wildcards.rep]["parts"]]


MEMORY_BUDGET_MB = config["resources"]["memory_budget_mb"]


def representation_mem_mb(copies, floor=lambda wc: 0):
    """Declared memory of a job holding `copies` of a representation's features: it follows their
    size (read from the shards' footers once written), capped by the memory budget past which
    the job streams; at least `floor(wildcards)` (README, "Memory")."""

    def mem_mb(wildcards, input):
        features = input.get("features")  # None while the selection checkpoint is pending
        paths = [] if features is None else [features] if isinstance(features, str) else list(features)
        if not paths or f"{dataset_dir(wildcards.dataset)}/tracks.parquet" in paths:
            # Planned while the selection checkpoint is still to (re)run: Snakemake stands its
            # output in for the features, and asks again once the shards are known.
            return max(floor(wildcards), BASE_MB)
        need = declared_mem_mb(paths, REPRESENTATIONS[wildcards.rep]["features"], MEMORY_BUDGET_MB, copies)
        return max(need, floor(wildcards))

    return mem_mb


def evaluation_mem(wildcards, input):
    """An evaluation's memory: its latents' size, and pairwise distances for agglomerative."""
    if not os.path.exists(input.latents):
        raise FileNotFoundError(2, "latents not written yet", input.latents)
    # Imported here, for a job about to run: scikit-learn takes about a second to load, which
    # every start-up (a no-op rerun too) would pay.
    from musiclust.cluster.algorithms import evaluation_mem_mb

    n_tracks, shape = shards_size([input.latents], "mean")
    return evaluation_mem_mb(n_tracks, int(shape[0]), config["clustering"]["algorithms"])


def evaluation_files(wildcards):
    return expand(
        f"{dataset_dir(wildcards.dataset)}/evaluation/{{rep}}/seed-{{seed}}.parquet",
        rep=representations_for(REPRESENTATIONS, DATASETS[wildcards.dataset]["kind"]),
        seed=SEEDS,
    )


def baseline_evaluation_files(dataset):
    """Evaluations of the representations that train nothing (baselines, text), first seed on."""
    reps = representations_of("baseline", dataset)
    return [f"{dataset_dir(dataset)}/evaluation/{rep}/seed-{seed}.parquet" for rep in reps for seed in SEEDS]


def learned_model_files(wildcards):
    base = f"{dataset_dir(wildcards.dataset)}/models"
    runs = [(rep, seed) for rep in representations_of("learned", wildcards.dataset) for seed in SEEDS]
    return {
        "latents": [f"{base}/{rep}/seed-{seed}/latents.parquet" for rep, seed in runs],
        "histories": [f"{base}/{rep}/seed-{seed}/history.parquet" for rep, seed in runs],
    }


def report_targets(dataset):
    report_dir = f"{dataset_dir(dataset)}/report"
    targets = [f"{report_dir}/metrics.csv", f"{report_dir}/metrics.md", f"{report_dir}/failures.csv"]
    if representations_of("learned", dataset):
        targets += [f"{report_dir}/disentanglement.csv", f"{report_dir}/disentanglement.md"]
    if baseline_evaluation_files(dataset):  # the baselines' numbers first (rules/priorities.smk)
        targets.append(f"{report_dir}/baselines.md")
    # Summary tables and the page (which needs every figure): rules/report.smk.
    targets += [f"{report_dir}/summary.md", f"{report_dir}/summary.tex", f"{report_dir}/summary.csv",
                f"{report_dir}/index.html"]
    return targets


def lyrics_spec(dataset):
    """The dataset's `lyrics:` block; without one, the demo reads its own file, others LRCLIB."""
    spec = DATASETS[dataset]
    return spec.get("lyrics", {"providers": ["local"] if spec["kind"] == "demo" else ["lrclib"]})


def lyrics_inputs(wildcards):
    """tracks.parquet; FMA-format metadata (album, duration) when there is some; the local file."""
    dataset = wildcards.dataset
    inputs = {"tracks": f"{dataset_dir(dataset)}/tracks.parquet"}
    if audio_archive(dataset) is not None:
        inputs["metadata"] = metadata_dir(dataset)
    spec = lyrics_spec(dataset)
    from musiclust.lyrics.fetch import LyricsSettings  # (a block without providers: the library's)
    from musiclust.lyrics.genius import token_problem

    # Planned, not yet run: a missing token stops the run before Snakemake removes lyrics.parquet.
    problem = token_problem(spec.get("providers", LyricsSettings.providers), os.environ,
                            f"datasets.{dataset}.lyrics.providers")
    if problem:
        raise WorkflowError(problem)
    if "local" in spec.get("providers", LyricsSettings.providers):
        path = (spec.get("local") or {}).get("path")
        if path is None and DATASETS[dataset]["kind"] == "demo":
            path = f"{RESOURCES}/{dataset}/lyrics.jsonl"  # written by generate_demo_archives
        if path is None:
            raise WorkflowError(f"datasets.{dataset}.lyrics: the local provider needs local.path")
        inputs["local"] = path
    return inputs
