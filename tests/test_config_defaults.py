"""Defaults live in one place: the schema's `default:` keywords, filled into the config by
validate_config and read by the library (musiclust.defaults); rules, adapters and the library
write no literal default of their own."""

import copy
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from musiclust.config_defaults import fill_defaults, schema_defaults
from musiclust.config_validation import ConfigError, load_schema, validate_config
from tests.conftest import planned_jobs

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = load_schema(ROOT / "schemas" / "config.schema.yaml")
PROPERTIES = SCHEMA["properties"]
DEFS = SCHEMA["$defs"]


def minimal_config() -> dict:
    """Only what the schema requires: a tiny demo, one PCA and one VAE, K-Means."""
    return {
        "dataset": "demo",
        "datasets": {"demo": {"kind": "demo", "demo": {"n_genres": 6, "tracks_per_genre": 4, "clip_seconds": 8.0}}},
        "audio": {"sample_rate": 22050},
        "features": {"shard_size": 16, "max_shards": 8, "mel": {}, "mfcc_stats": {}, "mfcc2d": {}},
        "representations": {
            "pca_mfcc": {"family": "pca", "features": "mfcc_stats"},
            "vae_mfcc": {"family": "vae", "features": "mfcc_stats", "training": {"epochs": 2, "batch_size": 8}},
        },
        "seeds": [0],
        "clustering": {"algorithms": {"kmeans": {}}},
    }


def _at(config, path):
    for key in path:
        config = config[key]
    return config


# The objects of the minimal config that the schema gives defaults, with their subschema.
FILLED_OBJECTS = {
    (): SCHEMA,
    ("download",): PROPERTIES["download"],
    ("audio",): PROPERTIES["audio"],
    ("features",): PROPERTIES["features"],
    ("features", "mel"): PROPERTIES["features"]["properties"]["mel"],
    ("features", "mfcc_stats"): PROPERTIES["features"]["properties"]["mfcc_stats"],
    ("features", "mfcc2d"): PROPERTIES["features"]["properties"]["mfcc2d"],
    ("features", "fma_features"): PROPERTIES["features"]["properties"]["fma_features"],
    ("features", "musicnn"): PROPERTIES["features"]["properties"]["musicnn"],
    ("training",): PROPERTIES["training"],
    ("analysis",): PROPERTIES["analysis"],
    ("clustering",): PROPERTIES["clustering"],
    ("clustering", "algorithms", "kmeans"): PROPERTIES["clustering"]["properties"]["algorithms"]["properties"]["kmeans"],
    ("text",): PROPERTIES["text"],
    ("resources",): PROPERTIES["resources"],
    ("report",): PROPERTIES["report"],
    ("datasets", "demo", "demo"): PROPERTIES["datasets"]["additionalProperties"]["properties"]["demo"],
    ("datasets", "demo", "selection"): DEFS["selection"],
}


def test_minimal_config_gets_every_default():
    config = minimal_config()
    validate_config(config, SCHEMA)
    for path, subschema in FILLED_OBJECTS.items():
        defaults = schema_defaults(subschema, SCHEMA)
        assert defaults, f"{path}: the schema gives no defaults"
        try:
            given = _at(minimal_config(), path)
        except KeyError:
            given = {}
        filled = _at(config, path)
        for key, default in defaults.items():
            expected = given.get(key, default) if key in given else default
            assert key in filled, f"{'.'.join(path + (key,))} not filled"
            assert filled[key] == expected or isinstance(default, dict), \
                f"{'.'.join(path + (key,))}: {filled[key]!r}, not {expected!r}"
    # What the config sets is kept, and a representation's own `training` gets no defaults
    # (they would override the `training:` block).
    assert config["datasets"]["demo"]["demo"]["n_genres"] == 6
    assert config["representations"]["vae_mfcc"]["training"] == {"epochs": 2, "batch_size": 8}
    # The filled config is valid, and filling is idempotent.
    again = copy.deepcopy(config)
    validate_config(again, SCHEMA)
    assert again == config


def test_a_default_spelled_out_or_left_out_is_the_same_config():
    """So that writing or deleting a key at its default changes no params (reruns nothing)."""
    shipped = yaml.safe_load((ROOT / "config.yaml").read_text())
    shorter = copy.deepcopy(shipped)
    del shorter["clustering"]["algorithms"]["kmeans"]["n_init"], shorter["training"]["free_bits"]
    del shorter["features"]["mel"]["n_mels"], shorter["report"]
    longer = copy.deepcopy(shipped)
    longer["clustering"]["algorithms"]["gmm"]["n_init"] = 1
    longer["training"]["weight_decay"] = 0.0
    for config in (shipped, shorter, longer):
        validate_config(config, SCHEMA)
    assert shorter == shipped == longer


def test_defaults_by_branch_and_kind():
    """if/then branches fill by what holds: an encoder's settings by its kind."""
    config = minimal_config()
    config["datasets"]["mine"] = {"kind": "folder", "path": "/nowhere"}
    config["text"] = {"encoders": {"st": {"kind": "sentence_transformers"}, "tf": {"kind": "tfidf_svd"}}}
    config["clustering"]["algorithms"]["hdbscan"] = {"min_samples": 3}
    fill_defaults(config, SCHEMA)
    assert config["datasets"]["mine"]["missing_files"] == "error"
    assert config["text"]["encoders"]["st"] == {"kind": "sentence_transformers", "model": "all-MiniLM-L6-v2",
                                               "batch_size": 64, "device": "auto", "normalize": True,
                                               "long_text": "truncate", "chunk_words": 128}
    assert "n_components" not in config["text"]["encoders"]["st"]
    assert config["text"]["encoders"]["tf"]["n_components"] == 384 and "model" not in config["text"]["encoders"]["tf"]
    assert config["clustering"]["algorithms"]["hdbscan"] == {"min_cluster_size": 5, "min_samples": 3}
    assert "dbscan" not in config["clustering"]["algorithms"]  # an algorithm runs only where named


def test_missing_files_warn_is_a_folder_setting():
    """Every dataset gets missing_files: error (what a non-folder does anyway); warn only on a folder."""
    config = minimal_config()
    config["datasets"]["fma_small"] = {"kind": "fma", "size": "small", "missing_files": "warn"}
    with pytest.raises(ConfigError, match=r"datasets\.fma_small\.missing_files: only a folder dataset"):
        validate_config(config, SCHEMA)
    config["datasets"]["fma_small"]["missing_files"] = "error"
    validate_config(config, SCHEMA)
    assert config["datasets"]["demo"]["missing_files"] == "error"


def test_minimal_config_plans_a_dry_run(tmp_path):
    jobs = planned_jobs(tmp_path, minimal_config())
    assert jobs["select_tracks"] == 1 and jobs["generate_demo_archives"] == 1, jobs


# --------------------------------------------------------------------------- one source


def test_the_library_reads_its_defaults_from_the_schema(tmp_path):
    """Edit a default in the schema alone: the library's settings, estimators and algorithms
    follow (no copy to keep equal)."""
    package = tmp_path / "musiclust"
    shutil.copytree(ROOT / "src" / "musiclust", package, ignore=shutil.ignore_patterns("__pycache__"))
    schema = package / "config.schema.yaml"  # (the copy of the link is the schema itself)
    text = schema.read_text()
    for old, new in [("free_bits: {default: 0.0}", "free_bits: {default: 0.25}"),
                     ("n_mels: {$ref: \"#/$defs/positive_int\", default: 128}\n          n_fft",
                      "n_mels: {$ref: \"#/$defs/positive_int\", default: 64}\n          n_fft"),
                     ("kl_threshold: {type: number, minimum: 0, default: 0.01}",
                      "kl_threshold: {type: number, minimum: 0, default: 0.02}"),
                     ("min_score: {$ref: \"#/$defs/similarity\", default: 0.8}",
                      "min_score: {$ref: \"#/$defs/similarity\", default: 0.85}"),
                     ("n_init: {$ref: \"#/$defs/positive_int\", default: 10}",
                      "n_init: {$ref: \"#/$defs/positive_int\", default: 7}"),
                     ("then: {properties: {n_components: {default: 32}}}", "then: {properties: {n_components: {default: 12}}}")]:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    schema.unlink()
    schema.write_text(text)
    probe = (
        "from musiclust.models.train_config import TrainConfig; from musiclust import AutoencoderRepresentation, "
        "PCARepresentation; from musiclust.features.spectral import MelSettings; "
        "from musiclust.models.collapse import KL_THRESHOLD; from musiclust.lyrics.judge import MatchCriteria; "
        "from musiclust.cluster.algorithms import DEFAULTS; "
        "print(TrainConfig().free_bits, AutoencoderRepresentation().free_bits, MelSettings().n_mels, KL_THRESHOLD, "
        "MatchCriteria().min_score, DEFAULTS['kmeans']['n_init'], PCARepresentation().n_components)"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": str(tmp_path)}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["0.25", "0.25", "64", "0.02", "0.85", "7", "12"]


def test_shipped_config_shows_defaults_or_deliberate_overrides():
    """config.yaml documents the main settings: where it spells a default, it is the schema's,
    except the overrides listed here on purpose."""
    # The embeddings the demo builds (none); 1 thread per text job (2 by default: see config.yaml);
    # a smaller demo corpus for a first run of a few minutes (README, "Quick start").
    overrides = {"text.threads", "text.embeddings", "datasets.demo.demo.tracks_per_genre",
                 "datasets.demo.demo.clip_seconds"}
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    shown_objects = dict(FILLED_OBJECTS)
    for algorithm, schema in PROPERTIES["clustering"]["properties"]["algorithms"]["properties"].items():
        shown_objects[("clustering", "algorithms", algorithm)] = schema
    for name in config["datasets"]:
        shown_objects[("datasets", name, "selection")] = DEFS["selection"]
        shown_objects[("datasets", name, "lyrics")] = DEFS["lyrics"]
        shown_objects[("datasets", name, "demo")] = FILLED_OBJECTS[("datasets", "demo", "demo")]
    differences = []
    for path, subschema in shown_objects.items():
        try:
            shown = _at(config, path)
        except KeyError:
            continue
        for key, default in schema_defaults(subschema, SCHEMA).items():
            where = ".".join(path + (key,))
            if key in shown and not isinstance(default, dict) and shown[key] != default and where not in overrides:
                differences.append(f"{where}: {shown[key]!r} (schema default {default!r})")
    assert not differences, differences


# --------------------------------------------------------------------------- no scattered defaults

# `.get("key", <a literal>)`: a default written in code instead of the schema.
LITERAL_DEFAULT = re.compile(r"""\.get\(\s*["'][A-Za-z_]+["']\s*,\s*(?:["'\[{(\d-]|True\b|False\b|None\b)""")
# Literal fallbacks that are no config default: a dataset's lyrics block (its providers depend on
# the dataset's kind); fields of a saved checkpoint that older formats lack.
ALLOWED = {
    ("rules/common.smk", 'spec.get("lyrics", {"providers": ["local"] if spec["kind"] == "demo" else ["lrclib"]})'),
    ("src/musiclust/models/checkpoints.py", 'state.get("package_version", "an older musiclust")'),
    ("src/musiclust/models/checkpoints.py", "state.get('package_version', 'unknown')"),
    ("src/musiclust/models/checkpoints.py", 'saved.get("settings", {})'),
    ("src/musiclust/models/checkpoints.py", 'saved.get("identity", {})'),
    ("src/musiclust/models/trainer.py", 'saved.get("finished", False)'),
}


def scattered_defaults(root: Path) -> list[str]:
    found = []
    files = [*sorted((root / "rules").glob("*.smk")), root / "Snakefile", *sorted((root / "workflow_scripts").glob("*.py")),
             *sorted((root / "src").rglob("*.py"))]
    for path in files:
        relative = path.relative_to(root).as_posix()
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if LITERAL_DEFAULT.search(line) and not any(f == relative and text in line for f, text in ALLOWED):
                found.append(f"{relative}:{number}: {line.strip()}")
    return found


def test_rules_adapters_and_library_write_no_defaults():
    assert scattered_defaults(ROOT) == [], "defaults belong in schemas/config.schema.yaml (`default:`)"


@pytest.mark.parametrize("line, flagged", [
    ('    threads: TEXT.get("threads", 2)', True),
    ('retries=settings.get("retries", 5),', True),
    ('x = REPORT.get("labels", {})', True),
    ('x = REPORT.get("projections", ["tsne"])', True),
    ("x = spec.get('standardize', False)", True),
    ('x = spec.get("metadata_csv")', False),
    ('x = spec["selection"]', False),
    ('x = spec.get("providers", LyricsSettings.providers)', False),
])
def test_the_grep_finds_literal_defaults(line, flagged):
    assert bool(LITERAL_DEFAULT.search(line)) == flagged
