"""The text modality: per-track text sources and the encoders that embed them.

``sources`` (metadata, lyrics, lyrics-else-metadata; what each track used, who has none),
``encoders`` (sentence-transformers, TF-IDF + SVD), ``store`` (embedding tables and the
``{source}-{encoder}`` feature names representations read them by).
"""

from musiclust.text.encoders import (
    DEFAULT_MODEL,
    ENCODER_KINDS,
    SentenceTransformerEncoder,
    TfidfSvdEncoder,
    make_encoder,
    resolve_model,
)
from musiclust.text.sources import SOURCES, build_source, clean_lyrics, metadata_text
from musiclust.text.store import (
    is_text_feature,
    parse_text_feature,
    read_text_features,
    text_feature_name,
    text_feature_path,
)

__all__ = [
    "DEFAULT_MODEL",
    "ENCODER_KINDS",
    "SOURCES",
    "SentenceTransformerEncoder",
    "TfidfSvdEncoder",
    "build_source",
    "clean_lyrics",
    "is_text_feature",
    "make_encoder",
    "metadata_text",
    "parse_text_feature",
    "read_text_features",
    "resolve_model",
    "text_feature_name",
    "text_feature_path",
]
