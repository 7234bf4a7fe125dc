import copy
import dataclasses
import re
from pathlib import Path

import pytest
import yaml

from musiclust.config_validation import (
    FAMILY_INPUT_RANKS,
    FEATURE_RANKS,
    ConfigError,
    load_schema,
    validate_config,
)
from musiclust.representations.registry import expand_representations, is_learned
from tests.conftest import planned_jobs, snakemake, tiny_config

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = load_schema(ROOT / "schemas" / "config.schema.yaml")


@pytest.fixture
def config():
    return yaml.safe_load((ROOT / "config.yaml").read_text())


def test_shipped_config_is_valid(config):
    validate_config(config, SCHEMA)


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda c: c["features"]["mel"].update(n_mels=-3), "features.mel.n_mels: -3 is less than the minimum of 1"),
        (lambda c: c.update(dataset="fma_huge"), "dataset: 'fma_huge' is not defined under datasets"),
        (lambda c: c["datasets"]["demo"].update(kind="youtube"), "datasets.demo.kind: 'youtube' is not one of the allowed values"),
        (lambda c: c["clustering"]["algorithms"]["dbscan"].update(eps=0), "clustering.algorithms.dbscan.eps"),
        (lambda c: c["clustering"]["algorithms"]["kmeans"].update(k="many"), "clustering.algorithms.kmeans.k"),
        (lambda c: c["clustering"]["algorithms"].update(spectral={}), "clustering.algorithms: Additional properties"),
        (lambda c: c["features"]["mel"].update(n_mel=64), "features.mel: unknown key 'n_mel' (did you mean 'n_mels'?)"),
        (lambda c: c["representations"]["pca_mel"].update(features="chroma"), "representations.pca_mel.features"),
        (lambda c: c["features"]["mfcc2d"].update(n_frames=200), "features.mfcc2d.n_frames: 200 frames is more than the 130"),
        (lambda c: c["datasets"].update(mine={"kind": "folder"}), "datasets.mine: 'path' is a required property"),
        (lambda c: c["representations"]["vae_mfcc"]["training"].update(early_stopping=True, holdout_fraction=0.0),
         "representations.vae_mfcc.training: early_stopping watches the held-out negative ELBO, but holdout_fraction is 0"),
    ],
)
def test_bad_values_are_named(config, edit, message):
    bad = copy.deepcopy(config)
    edit(bad)
    with pytest.raises(ConfigError) as error:
        validate_config(bad, SCHEMA)
    assert message in str(error.value)


def _merged(base: dict, override: dict) -> dict:
    """A config file merged over another, as snakemake merges --configfile (mappings key by key)."""
    merged = dict(base)
    for key, value in override.items():
        merged[key] = _merged(base[key], value) if isinstance(value, dict) and isinstance(base.get(key), dict) else value
    return merged


@pytest.mark.parametrize("preset", sorted((ROOT / "presets").glob("*.yaml")), ids=lambda p: p.name)
def test_presets_merged_over_config_are_valid(config, preset):
    validate_config(_merged(config, yaml.safe_load(preset.read_text()) or {}), SCHEMA)


# Issue 10's rows: each mistake stops `validate_config` and a dry run before any job, naming the key.
def _folder_without_labels(c):
    c["datasets"]["mine"] = {"kind": "folder", "path": "/nonexistent/music"}
    c["dataset"] = "mine"


def _arch_typo(c):
    c["representations"]["conv_vae_mel"]["arch"]["chanels"] = c["representations"]["conv_vae_mel"]["arch"].pop("channels")


MISTAKES = {
    "dataset key typo": (
        lambda c: c["datasets"]["demo"].update(metadata_cvs="tracks.csv"),
        "datasets.demo: unknown key 'metadata_cvs' (did you mean 'metadata_csv'?)",
    ),
    "arch key typo": (_arch_typo, "representations.conv_vae_mel.arch: unknown key 'chanels' (did you mean 'channels'?)"),
    "arch key of another family": (
        lambda c: c["representations"]["vae_mfcc"]["arch"].update(channels=[8]),
        "representations.vae_mfcc.arch: Additional properties are not allowed: unknown key 'channels'",
    ),
    "MLP family on 2-D features": (
        lambda c: c["representations"]["vae_mfcc"].update(features="mel"),
        ("representations.vae_mfcc.family: 'vae' cannot read features 'mel', which are 2-D (n_mels, n_frames); "
         "families for them: conv_vae, cvae, conv_ae"),
    ),
    "conv family on vectors": (
        lambda c: c["representations"]["conv_vae_mfcc2d"].update(features="mfcc_stats"),
        "representations.conv_vae_mfcc2d.family: 'conv_vae' cannot read features 'mfcc_stats', which are vectors",
    ),
    "k above the demo's tracks": (
        lambda c: c["clustering"]["algorithms"]["gmm"].update(k=24),
        ("clustering.algorithms.gmm.k: 24 clusters need more tracks than the 24 that datasets.demo can have "
         "(demo.n_genres 6 × demo.tracks_per_genre 4)"),
    ),
    "k above a selection's tracks": (
        lambda c: (c.update(dataset="fma_small"), c["clustering"]["algorithms"]["kmeans"].update(k=200)),
        ("clustering.algorithms.kmeans.k: 200 clusters need more tracks than the 104 that datasets.fma_small can "
         "have (selection: 8 genres × tracks_per_genre 13)"),
    ),
    "k: n_genres on an unlabelled folder": (
        _folder_without_labels,
        "clustering.algorithms.kmeans.k: n_genres needs genre labels, and datasets.mine (a folder) has no metadata_csv",
    ),
}


@pytest.mark.parametrize("mistake", list(MISTAKES))
def test_mistakes_stop_validation(mistake):
    edit, message = MISTAKES[mistake]
    bad = tiny_config()
    edit(bad)
    with pytest.raises(ConfigError) as error:
        validate_config(bad, SCHEMA)
    assert message in str(error.value)


@pytest.mark.parametrize("mistake", ["dataset key typo", "arch key typo", "MLP family on 2-D features",
                                     "k above the demo's tracks", "k: n_genres on an unlabelled folder"])
def test_mistakes_stop_a_dry_run_before_any_job(tmp_path, mistake):
    edit, message = MISTAKES[mistake]
    bad = tiny_config()
    edit(bad)
    result = snakemake(tmp_path, bad, "--dry-run")
    assert result.returncode != 0
    assert message in result.stdout + result.stderr
    assert "Job stats" not in result.stdout + result.stderr
    assert not (tmp_path / "results").exists()


def test_folder_csv_without_genre_column(tmp_path):
    csv = tmp_path / "tracks.csv"
    csv.write_text("file,title,artist\na.mp3,A,B\n")
    config = tiny_config()
    config["datasets"]["mine"] = {"kind": "folder", "path": str(tmp_path), "metadata_csv": str(csv)}
    config["dataset"] = "mine"
    with pytest.raises(ConfigError, match="datasets.mine.metadata_csv .* has no genre column"):
        validate_config(config, SCHEMA)
    csv.write_text("file,title,artist,genre\na.mp3,A,B,Rock\n")
    validate_config(config, SCHEMA)  # labelled
    for algorithm in config["clustering"]["algorithms"].values():
        if "k" in algorithm:
            algorithm["k"] = "auto"
    csv.write_text("file,title\na.mp3,A\n")
    validate_config(config, SCHEMA)  # k: auto needs no labels


def test_possible_values_pass():
    config = tiny_config()
    config["clustering"]["algorithms"]["kmeans"]["k"] = 23  # below the 24 tracks
    config["representations"]["vae_mfcc"].update(family="vae", features="metadata-minilm")  # text: vectors
    validate_config(config, SCHEMA)


# The schema's lists are the library's registries.
def _enum_of(schema_node):
    return next(option["enum"] for option in schema_node["anyOf"] if "enum" in option)


def test_schema_lists_equal_the_registries():
    from musiclust.cluster.algorithms import ALGORITHMS, DEFAULTS
    from musiclust.models.registry import FAMILIES
    from musiclust.representations.registry import (
        _TEXT_SOURCES,
        AUDIO_FEATURES,
        BASELINE_FAMILIES,
        FMA_FEATURES,
        HYBRID_FAMILIES,
        LEARNED_FAMILIES,
        TABLE_FEATURES,
    )

    representation = SCHEMA["properties"]["representations"]["additionalProperties"]
    assert representation["properties"]["family"]["enum"] == [*BASELINE_FAMILIES, *LEARNED_FAMILIES, *HYBRID_FAMILIES]
    assert set(LEARNED_FAMILIES) == set(FAMILIES)
    assert _enum_of(representation["properties"]["features"]) == [*AUDIO_FEATURES, TABLE_FEATURES, FMA_FEATURES]
    text_pattern = SCHEMA["$defs"]["text_feature"]["pattern"]
    assert set(re.match(r"\^\((.*?)\)", text_pattern).group(1).split("|")) == set(_TEXT_SOURCES)
    # arch per family: the fields of the family's arch dataclass.
    arch_of = {}
    for rule in representation["allOf"]:
        then = rule["then"].get("properties", {}).get("arch")
        if then:
            family = rule["if"]["properties"]["family"]
            for name in family.get("enum", [family.get("const")]):
                arch_of[name] = set(SCHEMA["$defs"][then["$ref"].split("/")[-1]]["properties"])
    assert arch_of == {name: {f.name for f in dataclasses.fields(spec.arch_type)} for name, spec in FAMILIES.items()}
    assert FAMILY_INPUT_RANKS == {name: spec.input_ranks for name, spec in FAMILIES.items()}
    assert set(FEATURE_RANKS) == {*AUDIO_FEATURES, TABLE_FEATURES, FMA_FEATURES, "text"}
    algorithms = SCHEMA["properties"]["clustering"]["properties"]["algorithms"]["properties"]
    assert list(algorithms) == list(ALGORITHMS)
    assert {name: set(a["properties"]) for name, a in algorithms.items()} == {n: set(d) for n, d in DEFAULTS.items()}


def test_per_representation_resources_are_honoured(demo_run):
    """`training.threads`/`mem_mb`/`runtime_min` inside a representation reach its train_model
    jobs' threads and resources (others keep `training:`'s). Editing the resources reruns
    nothing; editing threads retrains that representation alone (its numbers depend on them)."""
    workdir, config = demo_run
    edited = copy.deepcopy(config)
    edited["representations"]["vae_mfcc"]["training"].update(mem_mb=1234, runtime_min=7)
    assert "train_model" not in planned_jobs(workdir, edited)  # (the report page shows the config)
    edited["representations"]["vae_mfcc"]["training"]["threads"] = 2
    assert planned_jobs(workdir, edited)["train_model"] == 1
    everywhere = copy.deepcopy(config)
    everywhere["training"]["threads"] = 2
    n_learned = sum(is_learned(spec) and "threads" not in spec.get("training", {})
                    for spec in expand_representations(config["representations"]).values())
    assert planned_jobs(workdir, everywhere)["train_model"] == n_learned
    result = snakemake(workdir, edited, "--dry-run", "--forcerun", "train_model",
                       "results/demo/models/vae_mfcc/seed-0/latents.parquet",
                       "results/demo/models/conv_vae_mel/seed-0/latents.parquet")
    assert result.returncode == 0, result.stdout + result.stderr
    blocks = re.split(r"\n(?=\[)", result.stdout + result.stderr)  # a job each, after its timestamp
    jobs = {rep: next(b for b in blocks if "rule train_model" in b and f"rep={rep}," in b) for rep in ("vae_mfcc", "conv_vae_mel")}
    assert "threads: 2" in jobs["vae_mfcc"] and "mem_mb=1234" in jobs["vae_mfcc"] and "runtime=7" in jobs["vae_mfcc"]
    assert "threads: 2" not in jobs["conv_vae_mel"] and f"runtime={config['training']['runtime_min']}," in jobs["conv_vae_mel"]
    assert f"mem_mb={config['training']['mem_mb']}," in jobs["conv_vae_mel"]
