"""musiclust: unsupervised music clustering with variational autoencoders over audio and text.

The public API works on arrays (see README, "Use it as a library"):
``AutoencoderRepresentation``, ``MixtureVAERepresentation`` (VaDE: latents and its own clusters),
``MultimodalRepresentation``, ``PCARepresentation``, ``RawRepresentation``,
``HybridRepresentation`` (scikit-learn estimators), ``multimodal_frame`` (the multimodal
estimator's input), ``cluster_vectors``, ``clustering_metrics`` and
``evaluate``. They are imported on first use, so that ``import musiclust.<module>`` (as the
workflow's planning does) never loads torch.
"""

from importlib import import_module

__version__ = "0.1.0"

_PUBLIC = {
    "AutoencoderRepresentation": "musiclust.representations.estimators",
    "MixtureVAERepresentation": "musiclust.representations.mixture",
    "MultimodalRepresentation": "musiclust.representations.multimodal",
    "PCARepresentation": "musiclust.representations.estimators",
    "RawRepresentation": "musiclust.representations.estimators",
    "HybridRepresentation": "musiclust.representations.hybrid",
    "multimodal_frame": "musiclust.representations.multimodal",
    "cluster_vectors": "musiclust.cluster.algorithms",
    "clustering_metrics": "musiclust.cluster.metrics",
    "evaluate": "musiclust.cluster.evaluation",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    if name in _PUBLIC:
        return getattr(import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'musiclust' has no attribute {name!r}")
