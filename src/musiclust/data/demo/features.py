"""The demo's ``fma_metadata/features.csv``: FMA's 518 feature columns for every demo track.

The values are drawn, not measured: computing FMA's librosa features (CQT chroma among them)
from the demo's audio would take minutes, and the file exists to exercise the ``fma_features``
path (parsing, selection, every representation on it) without audio. Each genre has its own
mean per column, each track a seeded draw around its genres' means, so clusters are there to find.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from musiclust.data.demo.plan import DemoSpec, PlannedTrack
from musiclust.data.fma_features import feature_columns, features_csv_text

_SPREAD = 0.8  # within-genre standard deviation, against genre means drawn with deviation 1


def demo_features(spec: DemoSpec, plan: Sequence[PlannedTrack]) -> pd.DataFrame:
    columns = feature_columns()
    rng = np.random.default_rng([spec.seed, 0xFEA7])
    genre_means = rng.standard_normal((max(g for t in plan for g in t.genres) + 1, len(columns)))
    rows = [genre_means[list(t.genres)].mean(axis=0) + _SPREAD * rng.standard_normal(len(columns)) for t in plan]
    return pd.DataFrame(np.array(rows, dtype=np.float32), index=[t.track_id for t in plan], columns=columns)


def demo_features_csv(spec: DemoSpec, plan: Sequence[PlannedTrack]) -> bytes:
    return features_csv_text(demo_features(spec, plan)).encode("utf-8")
