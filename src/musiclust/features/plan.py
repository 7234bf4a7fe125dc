"""The decode plan: which spans of each clip to decode so that every feature finds its audio.

A clip is decoded once for all features. What each feature reads depends on the clip's
length (a centre crop moves with it), so the plan is a function of the clip length, built
from the features' settings. Only the settings that move a span take part (``span_params``):
they are the decode rule's params, so an edit of e.g. ``features.mel.n_mels`` reruns the mel
jobs but not the decoding, while an edit of an MFCC ``placement`` reruns both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from musiclust.features.spectral import FEATURE_KINDS, settings_for


# Kinds whose span joins the decode plan only when a representation reads them: MusiCNN reads
# whole clips by default, which would lengthen every decode of a run that does not use it.
ON_DEMAND_KINDS = ("musicnn",)


def span_params(features: Mapping[str, Mapping], used: Iterable[str] | None = None) -> dict[str, dict]:
    """From a ``features:`` config section, per feature kind only the settings that decide its
    span, defaults filled in (so that spelling a default out does not rerun the decoding).
    ``used``: the kinds representations read; an on-demand kind is in the plan only when
    named there (``None``: every configured kind but the on-demand ones)."""
    used = set(used or ())
    params = {}
    for kind in FEATURE_KINDS:
        if kind in ON_DEMAND_KINDS and kind not in used:
            continue
        if kind in features:
            settings = settings_for(kind, features[kind])
            params[kind] = {name: getattr(settings, name) for name in settings.SPAN_FIELDS}
    return params


def merge_spans(spans: Iterable[tuple[int, int]], clip_length: int) -> list[tuple[int, int]]:
    """Spans clipped to the clip ``[0, clip_length)``, sorted, overlapping or touching ones merged."""
    clipped = sorted((max(0, start), min(stop, clip_length)) for start, stop in spans)
    merged: list[tuple[int, int]] = []
    for start, stop in clipped:
        if start >= stop:
            continue  # wholly outside the clip: zeros, nothing to decode
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], stop))
        else:
            merged.append((start, stop))
    return merged


@dataclass(frozen=True)
class DecodePlan:
    sample_rate: int
    features: tuple  # settings objects with a ``span(clip_length, sample_rate)`` method

    @classmethod
    def from_params(cls, sample_rate: int, params: Mapping[str, Mapping]) -> DecodePlan:
        """From ``span_params``, or from whole feature settings (dicts or settings objects):
        only their spans matter."""
        if not params:
            raise ValueError("a decode plan needs at least one feature")
        return cls(sample_rate, tuple(settings_for(kind, values) for kind, values in params.items()))

    def spans(self, clip_length: int) -> list[tuple[int, int]]:
        """The clip samples to decode (analysis rate) for a clip of ``clip_length`` samples."""
        return merge_spans((f.span(clip_length, self.sample_rate) for f in self.features), clip_length)
