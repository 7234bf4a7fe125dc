"""Defaults live in one place: the schema's `default:` keywords, filled into the config by
validate_config and read by the library (musiclust.defaults); rules, adapters and the library
write no literal default of their own."""

import copy
import dataclasses
import inspect
import re
from pathlib import Path

import pytest
import yaml

from musiclust.cluster.algorithms import DEFAULTS as ALGORITHM_DEFAULTS
from musiclust.config_defaults import fill_defaults, schema_defaults
from musiclust.config_validation import ConfigError, load_schema, validate_config
from musiclust.data.demo.plan import DemoSpec
from musiclust.data.download import download_file
from musiclust.data.selection import Selection
from musiclust.data.synthetic_lyrics import SyntheticLyricsSpec
from musiclust.features.decode import DecodeSettings
from musiclust.features.pretrained.musicnn import MusicnnSettings
from musiclust.features.spectral import MelSettings, Mfcc2dSettings, MfccStatsSettings
from musiclust.text.encoders import SentenceTransformerEncoder, TfidfSvdEncoder
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


def _fields(cls, skip=()):
    """A dataclass's defaults as the config writes them (tuples as lists)."""
    out = {}
    for field in dataclasses.fields(cls):
        if field.name in skip or field.default is dataclasses.MISSING:
            continue
        out[field.name] = list(field.default) if isinstance(field.default, tuple) else field.default
    return out


def _signature(function, skip=()):
    return {name: p.default for name, p in inspect.signature(function).parameters.items()
            if p.default is not inspect.Parameter.empty and name not in skip}


def _without_none(defaults):
    """A None default means "absent": the schema writes no default for it."""
    return {k: v for k, v in defaults.items() if v is not None}


def _encoder_defaults(kind):
    branches = PROPERTIES["text"]["properties"]["encoders"]["additionalProperties"]["allOf"]
    branch = next(b for b in branches if b["if"]["properties"]["kind"]["const"] == kind)
    return schema_defaults(branch["then"], SCHEMA)


def test_schema_defaults_equal_the_library_defaults():
    features = PROPERTIES["features"]["properties"]
    dataset = PROPERTIES["datasets"]["additionalProperties"]["properties"]
    pairs = {
        "features.mel": (schema_defaults(features["mel"], SCHEMA), _fields(MelSettings)),
        "features.mfcc_stats": (schema_defaults(features["mfcc_stats"], SCHEMA), _fields(MfccStatsSettings)),
        "features.mfcc2d": (schema_defaults(features["mfcc2d"], SCHEMA), _fields(Mfcc2dSettings)),
        "features.musicnn": (schema_defaults(features["musicnn"], SCHEMA), _fields(MusicnnSettings)),
        "audio": (schema_defaults(PROPERTIES["audio"], SCHEMA), _fields(DecodeSettings, skip=("sample_rate",))),
        "datasets.<name>.demo": (schema_defaults(dataset["demo"], SCHEMA), _fields(DemoSpec)),
        "datasets.<name>.synthetic_lyrics": (schema_defaults(dataset["synthetic_lyrics"], SCHEMA),
                                             _fields(SyntheticLyricsSpec)),
        "datasets.<name>.selection": (schema_defaults(DEFS["selection"], SCHEMA), _without_none(_fields(Selection))),
        "download": (schema_defaults(PROPERTIES["download"], SCHEMA),
                     {"retries": _signature(download_file)["retries"], "backoff_s": _signature(download_file)["backoff_factor"],
                      "timeout_s": _signature(download_file)["timeout"]}),
        "text.encoders (sentence_transformers)": (_encoder_defaults("sentence_transformers"),
                                                  _without_none({"kind": None, **_signature(SentenceTransformerEncoder,
                                                                                            skip=("show_progress",))})),
        "text.encoders (tfidf_svd)": (_encoder_defaults("tfidf_svd"), _without_none(_signature(TfidfSvdEncoder))),
    }
    for algorithm, defaults in ALGORITHM_DEFAULTS.items():
        schema = PROPERTIES["clustering"]["properties"]["algorithms"]["properties"][algorithm]
        pairs[f"clustering.algorithms.{algorithm}"] = (schema_defaults(schema, SCHEMA), defaults)
    for where, (schema, library) in pairs.items():
        assert schema == library, f"{where}: schema defaults {schema} != library defaults {library}"


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
