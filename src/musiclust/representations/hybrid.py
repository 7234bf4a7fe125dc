"""Early fusion: one vector per track made of several representations' vectors (blocks).

Two ways to put blocks side by side, both a scikit-learn transformer on the blocks' columns
side by side (``block_dims`` says where each block ends):

- ``concat`` (the studies' hybrid): the blocks concatenated, then every dimension z-scored.
  Each block then carries a total variance equal to its number of dimensions, so a 384-d text
  embedding outweighs a 32-d audio latent twelve to one, and a VAE's unused latent dimensions
  (near-constant noise) are blown up to the weight of its used ones. The first study's hybrid
  was worse than either of its parts; this is one reason.
- ``weighted``: each block centred and divided by the square root of its own total variance,
  then multiplied by the square root of its weight: block *m* carries total variance
  ``w_m`` (equal weights by default: every modality counts the same, whatever its dimension),
  and the geometry inside a block (which of its dimensions matter) is kept.

Tracks are aligned by id first: a track missing from a block is left out of the hybrid, and
the count per block is recorded (never filled with zeros that would read as a real vector).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted, validate_data

WEIGHTINGS = ("concat", "weighted")
# A block with less total variance than this is constant: scaling it up would amplify rounding.
_MIN_TOTAL_VARIANCE = 1e-12


def align_blocks(ids: Sequence[np.ndarray], blocks: Sequence[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray], list[int]]:
    """The tracks every block has, in the first block's order: ``(ids, blocks, missing)``,
    ``missing[m]``: tracks of the union that block ``m`` lacks."""
    if len(ids) != len(blocks) or not blocks:
        raise ValueError(f"need one id array per block, got {len(ids)} id arrays and {len(blocks)} blocks")
    ids = [np.asarray(i, dtype=np.int64) for i in ids]
    common = ids[0]
    for other in ids[1:]:
        common = common[np.isin(common, other)]
    union = np.unique(np.concatenate(ids))
    missing = [int(len(union) - np.isin(union, i).sum()) for i in ids]
    aligned = []
    for block_ids, block in zip(ids, blocks):
        position = {int(t): row for row, t in enumerate(block_ids)}
        aligned.append(np.asarray(block)[[position[int(t)] for t in common]])
    return common, aligned, missing


class HybridRepresentation(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Blocks of vectors → one fused vector per track (see the module docstring), as a
    scikit-learn transformer: ``X`` holds the blocks side by side, and ``block_dims`` says how
    many columns each block has, in order; the last may be left out (it takes the remaining
    columns), so ``block_dims=[32]`` splits a 32-d audio latent from any text embedding after it.

    ``weighting``: ``"weighted"`` or ``"concat"``. ``weights``: one per block (``weighted``
    only); None gives every block the same total variance. After ``fit``: ``block_dims_`` (every
    block's columns), ``block_variance_`` (total variance of each block in the output).
    """

    def __init__(self, weighting: str = "weighted", *, block_dims: Sequence[int] | None = None,
                 weights: Sequence[float] | None = None) -> None:
        self.weighting, self.block_dims, self.weights = weighting, block_dims, weights

    def _check_params(self) -> None:
        if self.weighting not in WEIGHTINGS:
            raise ValueError(f"weighting must be one of {', '.join(WEIGHTINGS)}, got {self.weighting!r}")
        if self.block_dims is None or len(self.block_dims) < 1 or any(int(d) < 1 for d in self.block_dims):
            raise ValueError(f"block_dims must give the number of columns of each block (the last may be left out), "
                             f"got {self.block_dims!r}")
        if self.weights is not None and self.weighting != "weighted":
            raise ValueError("weights apply to the weighted hybrid only")
        if self.weights is not None and any(not np.isfinite(w) or w <= 0 for w in self.weights):
            raise ValueError(f"weights must be positive numbers, got {list(self.weights)}")

    def _blocks(self, X: Any, fit: bool) -> list[np.ndarray]:
        if not fit:
            check_is_fitted(self)
        values = validate_data(self, X, reset=fit, dtype=np.float64, ensure_min_samples=2 if fit else 1)
        dims = [int(d) for d in self.block_dims]
        if sum(dims) < values.shape[1]:
            dims.append(values.shape[1] - sum(dims))  # the last block: the remaining columns
        if sum(dims) != values.shape[1] or len(dims) < 2:
            raise ValueError(f"X has {values.shape[1]} feature(s), but block_dims {list(self.block_dims)} needs "
                             f"{sum(self.block_dims)} and at least two blocks")
        if self.weights is not None and len(self.weights) != len(dims):
            raise ValueError(f"{len(self.weights)} weights for {len(dims)} blocks")
        if fit:
            self.block_dims_ = dims
        bounds = np.cumsum([0, *dims])
        return [values[:, a:b] for a, b in zip(bounds[:-1], bounds[1:])]

    def fit(self, X: Any, y: Any = None) -> HybridRepresentation:
        self._check_params()
        blocks = self._blocks(X, fit=True)
        if self.weighting == "concat":
            self.scaler_ = StandardScaler().fit(np.hstack(blocks))
        else:
            weights = self.weights or [1.0] * len(blocks)
            self.centres_ = [b.mean(axis=0) for b in blocks]
            totals = [float(((b - c) ** 2).sum(axis=1).mean()) for b, c in zip(blocks, self.centres_)]
            self.scales_ = [np.sqrt(w / t) if t > _MIN_TOTAL_VARIANCE else 0.0 for w, t in zip(weights, totals)]
        self._n_features_out = sum(self.block_dims_)
        fused = self.transform(X)
        bounds = np.cumsum([0, *self.block_dims_])
        self.block_variance_ = [float(fused[:, a:b].var(axis=0).sum()) for a, b in zip(bounds[:-1], bounds[1:])]
        return self

    def transform(self, X: Any) -> np.ndarray:
        blocks = self._blocks(X, fit=False)
        if self.weighting == "concat":
            return self.scaler_.transform(np.hstack(blocks)).astype(np.float32)
        return np.hstack([(b - c) * s for b, c, s in zip(blocks, self.centres_, self.scales_)]).astype(np.float32)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []  # float32 out, whatever comes in
        return tags

    def info(self) -> dict[str, Any]:
        return {"weighting": self.weighting, "weights": None if self.weights is None else [float(w) for w in self.weights],
                "block_dims": self.block_dims_, "block_variance": self.block_variance_}


# Marks a hybrid takes from its parts: a part that saw the genre labels, collapsed or is
# degenerate makes the hybrid so (its clusters stand on that part too).
INHERITED_MARKS = ("saw_labels", "collapsed", "degenerate")


def inherited_marks(part_infos: Mapping[str, Mapping[str, Any]], degenerate_itself: bool = False) -> dict[str, Any]:
    """The marks of a hybrid of the parts whose latents metadata is ``part_infos`` (name → info):
    each of ``INHERITED_MARKS`` true when any part has it (``degenerate`` also when the hybrid's
    own vectors are), and ``marked_parts``: mark → the parts that carry it."""
    marked = {mark: [name for name, info in part_infos.items() if info.get(mark)] for mark in INHERITED_MARKS}
    marks = {mark: bool(parts) for mark, parts in marked.items()}
    marks["degenerate"] = marks["degenerate"] or bool(degenerate_itself)
    return {**marks, "marked_parts": marked}


def fuse_latents(parts: Mapping[str, tuple[np.ndarray, np.ndarray]], weighting: str,
                 weights: Mapping[str, float] | None = None) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Fuse named parts ``{name: (track_ids, vectors)}``: ``(track_ids, fused, info)``."""
    names = list(parts)
    unknown = sorted(set(weights or {}) - set(names))
    if unknown:
        raise ValueError(f"weights name {unknown}, which are not parts ({', '.join(names)})")
    ids, blocks, missing = align_blocks([parts[n][0] for n in names], [parts[n][1] for n in names])
    if len(ids) == 0:
        raise ValueError(f"the parts {names} have no track in common")
    per_block = None if not weights else [float(weights.get(n, 1.0)) for n in names]
    blocks = [np.asarray(b, dtype=np.float64).reshape(len(b), -1) for b in blocks]
    model = HybridRepresentation(weighting, block_dims=[b.shape[1] for b in blocks], weights=per_block)
    fused = model.fit_transform(np.hstack(blocks))
    info = {**model.info(), "parts": names, "tracks_missing_per_part": dict(zip(names, missing)),
            "latent_dim": int(fused.shape[1])}
    return ids, fused, info
