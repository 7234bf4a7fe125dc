"""Normalising titles and artist names so that two spellings of one song compare equal.

A title is compared without case, accents, punctuation, featured-artist credits and the
version suffixes that releases add ("(Remastered 2011)", "[Live]", "- Radio Edit"). An artist
is compared as a set of names ("A feat. B", "A & B" and "A, B" name both A and B; "Кино (Kino)"
and "BTS (방탄소년단)" name the band both with and without their bracketed other spelling).

Also here: the names that identify nothing, which a matcher must not trust — placeholder
titles ("Untitled", "Track 3"), placeholder artists ("[Deleted Artist]", "Unknown Artist") and
the pseudo-artists of lyrics sites under which translations and romanisations are filed
("Genius English Translations", "Genius Romanizations").
"""

from __future__ import annotations

import re
import unicodedata

# Featured-artist credits: "(feat. X)", "[ft. X]", or an unbracketed "feat. X" to the end.
_FEAT_BRACKETED = re.compile(r"[\(\[]\s*(?:feat\.?|ft\.?|featuring|with)\s[^\)\]]*[\)\]]", re.IGNORECASE)
_FEAT_TRAILING = re.compile(r"\s(?:feat\.?|ft\.?|featuring)\s.*$", re.IGNORECASE)
_BRACKETED = re.compile(r"\s*[\(\[\{][^\)\]\}]*[\)\]\}]")
_BRACKET_CONTENT = re.compile(r"[\(\[\{]([^\)\]\}]*)[\)\]\}]")
# " - Remastered 2011", " - Live at Wembley", " - Radio Edit": a dash, then a version word.
_VERSION_WORDS = (
    r"remaster(?:ed)?|live|edit|version|mix|remix|mono|stereo|demo|acoustic|instrumental|bonus"
    r"|single|explicit|clean|radio|extended|original|deluxe|session|take|reprise"
)
_DASH_SUFFIX = re.compile(rf"\s+[-–—]\s+[^-–—]*\b(?:{_VERSION_WORDS})\b[^-–—]*$", re.IGNORECASE)
# Separators between several credited artists. " and " is one too, so "Simon and Garfunkel"
# also yields "simon" and "garfunkel"; the whole name is always kept beside its parts.
_ARTIST_SPLIT = re.compile(r"\s*(?:,|;|/|&|\+|\sand\s|\sx\s|\svs\.?\s|\sfeat\.?\s|\sft\.?\s|\sfeaturing\s|\swith\s)\s*", re.IGNORECASE)

_PLACEHOLDER_TITLES = re.compile(
    r"^(?:untitled|no title|notitle|unknown|unknown title|title|n a|na|none|null|tba|tbd|"
    r"track|song|audio track|piste|pista|titre|intro|outro|interlude|skit)(?:\s*\d+)?$"
    r"|^\d*$",
)
_PLACEHOLDER_ARTISTS = re.compile(
    r"^(?:deleted|deleted artist|deleted user|deleted account|unknown|unknown artist|"
    r"artist unknown|no artist|untitled artist|artist|anonymous|anon|n a|na|none|null|"
    r"various|various artists|va|removed|removed artist|account removed)$|^\d*$",
)
# Lyrics sites file translations and romanisations under pseudo-artists.
_PSEUDO_ARTISTS = re.compile(
    r"^genius(?:\s|$)|translation|traduc|traduz|ubersetz|romani[sz]|перевод|翻译|번역",
    re.IGNORECASE,
)
_TRANSLATION_TITLE = re.compile(
    r"[\(\[][^\)\]]*(?:translation|traduc|traduz|ubersetz|romani[sz]|перевод)[^\)\]]*[\)\]]",
    re.IGNORECASE,
)


def fold(text: str | None) -> str:
    """Lower case, no accents, letters and digits only, single spaces."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", str(text))
    kept = []
    for char in decomposed:
        category = unicodedata.category(char)
        # Combining accents go; so do apostrophes, or "Don't" would become "don t".
        if category == "Mn" or char in "'’ʼ`´":
            continue
        # Letters and digits of every script are kept; punctuation and symbols become spaces.
        kept.append(char if category[0] in "LN" else (" and " if char == "&" else " "))
    return " ".join("".join(kept).casefold().split())


def normalize_title(title: str | None) -> str:
    """A title as compared: no featured credits, no bracketed or dashed version suffixes."""
    if not title:
        return ""
    text = _FEAT_BRACKETED.sub(" ", str(title))
    text = _FEAT_TRAILING.sub("", text)
    stripped = _DASH_SUFFIX.sub("", _BRACKETED.sub(" ", text))
    # A title that is nothing but brackets ("[Untitled]") keeps its content.
    return fold(stripped) or fold(text)


def search_title(title: str | None) -> str:
    """A title to search with: as written, without credits and version suffixes, which
    search engines would otherwise require word for word."""
    text = _FEAT_TRAILING.sub("", _FEAT_BRACKETED.sub(" ", str(title or "")))
    stripped = " ".join(_DASH_SUFFIX.sub("", _BRACKETED.sub(" ", text)).split())
    return stripped or " ".join(str(title or "").split())


def title_numbers(title: str | None) -> set[int]:
    """The numbers of a normalised title: "Part 1" and "Part 2" are different songs."""
    return {int(n) for n in re.findall(r"\d+", normalize_title(title))}


def _bracket_alternates(credit: str) -> tuple[str, list[str]]:
    """``(credit without its brackets, what the brackets hold)``: "Кино (Kino)" is Кино, also
    spelled Kino. Contents without two letters ("(2)", a disambiguation number) are no name."""
    bare = " ".join(_BRACKETED.sub(" ", credit).split())
    contents = [" ".join(c.split()) for c in _BRACKET_CONTENT.findall(credit)]
    return bare, [c for c in contents if sum(ch.isalpha() for ch in c) >= 2]


def artist_names(artist: str | None) -> list[str]:
    """The whole credit and each credited name, normalised (a leading "the" dropped); a name
    written with a bracketed alternate counts under both spellings and the whole."""
    if not artist:
        return []
    whole = _FEAT_BRACKETED.sub(" ", str(artist))
    bare, alternates = _bracket_alternates(whole)
    names = [whole]
    for form in (bare, *alternates):
        names += [form, *_ARTIST_SPLIT.split(form)]
    out: list[str] = []
    for name in names:
        folded = re.sub(r"^the\s+", "", fold(name))
        if folded and folded not in out:
            out.append(folded)
    return out


def artist_credits(artist: str | None) -> list[str]:
    """The spellings under which a service may file a track's artist, to ask with: the credit as
    written, without its featured artists ("A feat. B" → "A": LRCLIB files the main artist),
    without bracketed alternates ("BTS (방탄소년단)" → "BTS"), and each alternate ("방탄소년단")."""
    written = " ".join(str(artist or "").split())
    if not written:
        return []
    main = " ".join(_FEAT_TRAILING.sub("", _FEAT_BRACKETED.sub(" ", written)).split()) or written
    bare, alternates = _bracket_alternates(main)
    out: list[str] = []
    for credit in (written, main, bare, *alternates):
        if credit and credit not in out:
            out.append(credit)
    return out


def fewest_words(credits: list[str]) -> list[str]:
    """The credits whose words include no other credit's: a search that needs every word of
    the artist in the record finds with these all that the others would."""
    words = [set(fold(c).split()) for c in credits]
    fewest = [c for c, w in zip(credits, words) if w and not any(other and other < w for other in words)]
    return fewest or credits[:1]  # (a name of punctuation only, "!!!": as written)


def is_placeholder_title(title: str | None) -> bool:
    return bool(_PLACEHOLDER_TITLES.match(fold(title)))


def is_placeholder_artist(artist: str | None) -> bool:
    return bool(_PLACEHOLDER_ARTISTS.match(fold(artist)))


def is_pseudo_artist(artist: str | None) -> bool:
    """An account of a lyrics site that files translations, romanisations and the like."""
    return bool(artist) and bool(_PSEUDO_ARTISTS.search(fold(artist)))


def is_translation_title(title: str | None) -> bool:
    """A title marked as a translation or romanisation, e.g. "Song (English Translation)"."""
    return bool(title) and bool(_TRANSLATION_TITLE.search(unicodedata.normalize("NFKD", str(title))))


def cache_text(text: str | None) -> str:
    """How a query string enters a cache key: spelling variants that ask the same are one key."""
    return " ".join(unicodedata.normalize("NFC", str(text or "")).casefold().split())
