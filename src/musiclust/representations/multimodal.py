"""The multimodal VAE (audio + text, text optional per track) as a scikit-learn estimator.

Its input is one table, so that scikit-learn's tools (``clone``, ``Pipeline``, cross-validation,
``GridSearchCV``) pass it through like any ``X``: a DataFrame with one row per track and the
columns ``audio_0``, ``audio_1``, … (the track's audio features, flattened in C order;
``audio_shape`` gives their shape for the convolutional encoder), ``text_0``, … (its text
embedding) and ``text_present`` (the mask: True where the track has text). Text cells of a
track without text may hold anything, NaN included: they are neither standardised, nor counted
in the text scaler, nor read by the model (see ``musiclust.models.multimodal``).
:func:`multimodal_frame` builds it from the three arrays.

    from musiclust import MultimodalRepresentation, multimodal_frame
    X = multimodal_frame(mfcc_stats, lyrics_embeddings, has_lyrics)
    latents = MultimodalRepresentation("poe", arch={"latent_dim": 16}, epochs=30).fit_transform(X)  # (n, 16)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from musiclust.models.collapse import FLOOR_MARGIN, KL_THRESHOLD, MIN_ACTIVE, VARIANCE_THRESHOLD
from musiclust.models.multimodal import FAMILY, FUSIONS, MultimodalArch, pack_inputs
from musiclust.representations.estimators import _PCA, _TRAINING, TrainedRepresentation, VectorScaler

AUDIO_PREFIX, TEXT_PREFIX, TEXT_PRESENT = "audio_", "text_", "text_present"
# Filled from the input by ``fit``, so a user never sets them in ``arch``.
_SHAPE_KEYS = ("audio_shape", "text_dim")


def multimodal_frame(audio: np.ndarray, text: np.ndarray, text_present: Any) -> pd.DataFrame:
    """The multimodal estimator's input from audio ``(n, *shape)``, text ``(n, text_dim)`` and
    the mask ``text_present`` ``(n,)``: columns ``audio_*``, ``text_*``, ``text_present``."""
    audio, text = np.asarray(audio, dtype=np.float32), np.asarray(text, dtype=np.float32)
    if audio.ndim < 2 or text.ndim != 2 or len(text) != len(audio):
        raise ValueError(f"need audio (n_tracks, *shape) and text (n_tracks, text_dim) with one row per track; got "
                         f"shapes {audio.shape} and {text.shape}")
    flat = audio.reshape(len(audio), -1)
    columns = [f"{AUDIO_PREFIX}{i}" for i in range(flat.shape[1])] + [f"{TEXT_PREFIX}{i}" for i in range(text.shape[1])]
    frame = pd.DataFrame(np.concatenate([flat, text], axis=1), columns=columns)
    frame[TEXT_PRESENT] = _text_presence(text_present, len(audio))
    return frame


def _text_presence(text_present: Any, n_tracks: int) -> np.ndarray:
    present = np.asarray(text_present)
    if present.shape != (n_tracks,):
        raise ValueError(f"text_present must hold one flag per track, shape ({n_tracks},); got {present.shape}")
    if present.dtype != bool:
        if not np.isin(present, (0, 1)).all():
            raise ValueError("text_present must be booleans (or 0/1): True where the track has text")
        present = present.astype(bool)
    return present


def _split(frame: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(audio flattened, text, text_present)`` of the documented input table."""
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"{FAMILY} takes a DataFrame with columns audio_*, text_* and text_present "
                         f"(multimodal_frame(audio, text, text_present) builds one); got {type(frame).__name__}")
    names = [str(c) for c in frame.columns]
    audio = [i for i, c in enumerate(names) if c.startswith(AUDIO_PREFIX)]
    text = [i for i, c in enumerate(names) if c.startswith(TEXT_PREFIX) and c != TEXT_PRESENT]
    other = sorted(set(names) - {names[i] for i in audio + text} - {TEXT_PRESENT})
    if TEXT_PRESENT not in names or not audio or not text or other:
        raise ValueError(f"{FAMILY}: the input needs columns audio_*, text_* and text_present, and no other; "
                         f"got {len(audio)} audio and {len(text)} text columns"
                         + ("" if TEXT_PRESENT in names else ", no text_present")
                         + (f", and others: {other[:5]}" if other else ""))
    if len(frame) == 0:
        raise ValueError(f"{FAMILY}: the input has no rows")
    return (frame.iloc[:, audio].to_numpy(np.float32), frame.iloc[:, text].to_numpy(np.float32),
            _text_presence(frame[TEXT_PRESENT].to_numpy(), len(frame)))


class MultimodalRepresentation(TrainedRepresentation):
    """``multimodal_vae`` on audio features and a text embedding (the module docstring says
    what ``X`` is). ``fusion``: ``"poe"`` or ``"concat"`` (None: ``arch``'s, else the family's
    default, ``MultimodalArch.fusion``). ``audio_shape``: the shape of one track's audio
    (None: vectors, one per ``audio_*`` column; e.g. ``(1, 20, 128)`` for the conv encoder).
    With ``standardize``, vector audio is z-scored across tracks and text across the tracks
    that have text; spectrograms go in as they are. Training settings, ``score`` and fitted
    attributes are those of ``AutoencoderRepresentation``; also ``text_present_`` (the mask of
    the training rows).
    """

    family = FAMILY

    def __init__(self, fusion: str | None = None, *, arch: Mapping[str, Any] | None = None,
                 audio_shape: tuple[int, ...] | None = None, standardize: bool = _PCA["standardize"], seed: int = 0,
                 epochs: int = _TRAINING["epochs"], batch_size: int = _TRAINING["batch_size"],
                 learning_rate: float = _TRAINING["learning_rate"], beta: float | None = None,
                 reconstruction: str = _TRAINING["reconstruction"], kl_warmup_epochs: int = _TRAINING["kl_warmup_epochs"],
                 free_bits: float = _TRAINING["free_bits"], holdout_fraction: float = _TRAINING["holdout_fraction"],
                 device: str = _TRAINING["device"], threads: int = _TRAINING["threads"],
                 checkpoint_every: int = _TRAINING["checkpoint_every"], weight_decay: float = _TRAINING["weight_decay"],
                 early_stopping: bool = _TRAINING["early_stopping"], patience: int = _TRAINING["patience"],
                 min_steps: int = _TRAINING["min_steps"],
                 kl_threshold: float = KL_THRESHOLD, variance_threshold: float = VARIANCE_THRESHOLD,
                 min_active_dims: int = MIN_ACTIVE, floor_margin: float = FLOOR_MARGIN,
                 checkpoint_path: str | Path | None = None, progress: bool = False, name: str = "",
                 log: Callable[[str], None] | None = None) -> None:
        self._store_params(locals())

    def _arch(self) -> dict[str, Any]:
        """``arch`` with the fusion, checked (in ``fit``)."""
        arch = dict(self.arch or {})
        given = [key for key in _SHAPE_KEYS if key in arch]
        if given:
            raise ValueError(f"{FAMILY}: arch {', '.join(given)} come from the input passed to fit; leave them out")
        if self.fusion is not None and arch.get("fusion", self.fusion) != self.fusion:
            raise ValueError(f"{FAMILY}: fusion {self.fusion!r} but arch says fusion {arch['fusion']!r}; give it once")
        fusion = self.fusion or arch.get("fusion", MultimodalArch.fusion)
        if fusion not in FUSIONS:
            raise ValueError(f"{FAMILY}: fusion must be one of {', '.join(FUSIONS)}, got {fusion!r}")
        return {**arch, "fusion": fusion}

    def _inputs(self, frame: Any, fit: bool) -> np.ndarray:
        """Standardised, packed model input; checks the input against itself (and the fit)."""
        if not fit:
            check_is_fitted(self)
        audio, text, present = _split(frame)
        shape = tuple(self.audio_shape) if self.audio_shape is not None else (audio.shape[1],)
        if math.prod(shape) != audio.shape[1]:
            raise ValueError(f"audio_shape {shape} holds {math.prod(shape)} values, but the input has "
                             f"{audio.shape[1]} audio_* columns")
        if not np.isfinite(audio).all():
            raise ValueError("audio has NaN/inf values; every track needs its audio features")
        bad = np.flatnonzero(present & ~np.isfinite(text).all(axis=1))
        if bad.size:
            raise ValueError(f"text has NaN/inf values in {bad.size} track(s) marked as having text (first: row "
                             f"{bad[0]}); mark tracks without text with text_present=False")
        if fit:
            self.audio_shape_, self.text_dim_ = shape, text.shape[1]
            self.n_features_in_ = audio.shape[1] + text.shape[1] + 1
            self._audio_scaler, self._text_scaler = VectorScaler(self.standardize), VectorScaler(self.standardize)
        elif (shape, text.shape[1]) != (self.audio_shape_, self.text_dim_):
            raise ValueError(f"fitted on audio {self.audio_shape_} and text_dim {self.text_dim_}; got audio "
                             f"{shape} and text_dim {text.shape[1]}")
        if len(shape) == 1:  # spectrograms are standardised per track by the feature stage
            audio = self._audio_scaler.fit_transform(audio) if fit else self._audio_scaler.transform(audio)
        packed_text = np.zeros_like(text)  # rows without text: never read by the model
        if present.any():
            with_text = text[present]
            scaler = self._text_scaler
            packed_text[present] = scaler.fit_transform(with_text) if fit else scaler.transform(with_text)
        return pack_inputs(audio.reshape(len(audio), *shape), packed_text, present)

    def fit(self, X: pd.DataFrame, y: Any = None) -> MultimodalRepresentation:
        arch = self._arch()
        data = self._inputs(X, fit=True)
        if len(data) < 2:
            raise ValueError(f"{FAMILY}: need at least 2 tracks to fit, got {len(data)}")
        self.text_present_ = data[:, -1] > 0.5
        self.fusion_ = arch["fusion"]
        self._train(data, None, {**arch, "audio_shape": list(self.audio_shape_), "text_dim": int(self.text_dim_)})
        return self

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """Encoder means (posterior means of the fused latent) of these tracks."""
        return self._encode(self._inputs(X, fit=False))

    def fit_transform(self, X: pd.DataFrame, y: Any = None, **fit_params: Any) -> np.ndarray:
        return self.fit(X).latents_

    def score(self, X: pd.DataFrame, y: Any = None) -> float:
        """Mean ELBO per track in nats (higher is better), of its audio and, where present, its text."""
        return -self._neg_elbo(self._inputs(X, fit=False))

    def info(self) -> dict[str, Any]:
        n_with_text = int(self.text_present_.sum())
        return {**super().info(), "fusion": self.fusion_, "modality_dropout": self.model_.modality_dropout,
                "audio_shape": list(self.audio_shape_), "text_dim": int(self.text_dim_),
                "tracks_with_text": n_with_text, "text_share": n_with_text / len(self.text_present_)}
