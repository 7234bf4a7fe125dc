"""The multimodal VAE (audio + text, text optional per track) as a scikit-learn-style estimator.

    from musiclust import MultimodalRepresentation
    mm = MultimodalRepresentation("poe", arch={"latent_dim": 16}, epochs=30, seed=0)
    latents = mm.fit_transform(mfcc_stats, lyrics_embeddings, has_lyrics)   # (n, 16)

``text`` rows of tracks without text (``text_present`` False) may hold anything, NaN
included: they are neither standardised, nor counted in the text scaler, nor read by the
model (see ``musiclust.models.multimodal``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from musiclust.models.collapse import FLOOR_MARGIN, KL_THRESHOLD, MIN_ACTIVE, VARIANCE_THRESHOLD
from musiclust.models.multimodal import FAMILY, FUSIONS, pack_inputs
from musiclust.representations.estimators import TrainedRepresentation, VectorScaler

# Filled from the arrays by ``fit``, so a user never sets them.
_SHAPE_KEYS = ("audio_shape", "text_dim")


def _text_presence(text_present: Any, n_tracks: int) -> np.ndarray:
    present = np.asarray(text_present)
    if present.shape != (n_tracks,):
        raise ValueError(f"text_present must hold one flag per track, shape ({n_tracks},); got {present.shape}")
    if present.dtype != bool:
        if not np.isin(present, (0, 1)).all():
            raise ValueError("text_present must be booleans (or 0/1): True where the track has text")
        present = present.astype(bool)
    return present


class MultimodalRepresentation(TrainedRepresentation):
    """``multimodal_vae`` on audio features and a text embedding, with ``fusion`` ``"poe"`` or ``"concat"``.

    ``fit(audio, text, text_present)``: audio ``(n, *shape)`` (vectors, or 2-D/3-D for the
    conv encoder), text ``(n, text_dim)``, ``text_present`` bool ``(n,)``. With
    ``standardize``, vector audio is z-scored across tracks and text across the tracks that
    have text; spectrograms go in as they are. Training settings and fitted attributes are
    those of ``TrainedRepresentation``; also ``text_present_`` (the flags of the training rows).
    """

    def __init__(self, fusion: str = "poe", *, arch: Mapping[str, Any] | None = None, standardize: bool = True,
                 seed: int = 0, checkpoint_path: str | Path | None = None, progress: bool = False,
                 kl_threshold: float = KL_THRESHOLD, variance_threshold: float = VARIANCE_THRESHOLD,
                 min_active_dims: int = MIN_ACTIVE, floor_margin: float = FLOOR_MARGIN, name: str = "",
                 log: Callable[[str], None] | None = None, **training: Any) -> None:
        super().__init__(FAMILY, arch=arch, seed=seed, checkpoint_path=checkpoint_path, progress=progress,
                         kl_threshold=kl_threshold, variance_threshold=variance_threshold,
                         min_active_dims=min_active_dims, name=name, log=log, training=training,
                         floor_margin=floor_margin)
        if fusion not in FUSIONS:
            raise ValueError(f"{FAMILY}: fusion must be one of {', '.join(FUSIONS)}, got {fusion!r}")
        if self.arch.get("fusion", fusion) != fusion:
            raise ValueError(f"{FAMILY}: fusion {fusion!r} but arch says fusion {self.arch['fusion']!r}; give it once")
        given = [key for key in _SHAPE_KEYS if key in self.arch]
        if given:
            raise ValueError(f"{FAMILY}: arch {', '.join(given)} come from the arrays passed to fit; leave them out")
        self.fusion, self.standardize = fusion, standardize

    def _inputs(self, audio: np.ndarray, text: np.ndarray, text_present: Any, fit: bool) -> np.ndarray:
        """Standardised, packed model input; checks the arrays against each other (and the fit)."""
        audio, text = np.asarray(audio, dtype=np.float32), np.asarray(text, dtype=np.float32)
        if audio.ndim < 2 or len(audio) == 0:
            raise ValueError(f"audio must be a non-empty array (n_tracks, *shape), got shape {audio.shape}")
        if text.ndim != 2 or len(text) != len(audio) or text.shape[1] < 1:
            raise ValueError(f"text must be (n_tracks, text_dim) with one row per audio track ({len(audio)}), "
                             f"got shape {text.shape}")
        present = _text_presence(text_present, len(audio))
        bad = np.flatnonzero(present & ~np.isfinite(text).all(axis=1))
        if bad.size:
            raise ValueError(f"text has NaN/inf values in {bad.size} track(s) marked as having text (first: row "
                             f"{bad[0]}); mark tracks without text with text_present=False")
        if not fit and (audio.shape[1:] != self.audio_shape_ or text.shape[1] != self.text_dim_):
            raise ValueError(f"fitted on audio {self.audio_shape_} and text_dim {self.text_dim_}; got audio "
                             f"{audio.shape[1:]} and text_dim {text.shape[1]}")
        if fit:
            self.audio_shape_, self.text_dim_ = audio.shape[1:], text.shape[1]
            self._audio_scaler, self._text_scaler = VectorScaler(self.standardize), VectorScaler(self.standardize)
        if audio.ndim == 2:  # spectrograms are standardised per track by the feature stage
            audio = self._audio_scaler.fit_transform(audio) if fit else self._audio_scaler.transform(audio)
        packed_text = np.zeros_like(text)  # rows without text: never read by the model
        if present.any():
            with_text = text[present]
            scaler = self._text_scaler
            packed_text[present] = scaler.fit_transform(with_text) if fit else scaler.transform(with_text)
        return pack_inputs(audio, packed_text, present)

    def fit(self, audio: np.ndarray, text: np.ndarray, text_present: Any) -> MultimodalRepresentation:
        data = self._inputs(audio, text, text_present, fit=True)
        self.text_present_ = data[:, -1] > 0.5
        self._train(data, None, {**self.arch, "fusion": self.fusion, "audio_shape": list(self.audio_shape_),
                                 "text_dim": int(self.text_dim_)})
        return self

    def transform(self, audio: np.ndarray, text: np.ndarray, text_present: Any) -> np.ndarray:
        """Encoder means (posterior means of the fused latent) of these tracks."""
        return self._encode(self._inputs(audio, text, text_present, fit=False))

    def fit_transform(self, audio: np.ndarray, text: np.ndarray, text_present: Any) -> np.ndarray:
        return self.fit(audio, text, text_present).latents_

    def info(self) -> dict[str, Any]:
        n_with_text = int(self.text_present_.sum())
        return {**super().info(), "fusion": self.fusion, "modality_dropout": self.model_.modality_dropout,
                "audio_shape": list(self.audio_shape_), "text_dim": int(self.text_dim_),
                "tracks_with_text": n_with_text, "text_share": n_with_text / len(self.text_present_)}
