"""Titles, artist and album names of the demo tracks, in several languages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from musiclust.data.demo.plan import NAMES_STREAM, DemoSpec, PlannedTrack
from musiclust.data.demo.recipes import GENRE_RECIPES


@dataclass(frozen=True)
class _Lexicon:
    """Word lists to make plausible titles and names in one language."""

    code: str
    adjectives: tuple[str, ...]
    nouns: tuple[str, ...]
    title_patterns: tuple[str, ...]  # "{a}" adjective, "{n}"/"{m}" nouns
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    band_patterns: tuple[str, ...]


_LEXICONS: tuple[_Lexicon, ...] = (
    _Lexicon(
        "en",
        ("Silver", "Broken", "Quiet", "Electric", "Golden", "Lonely", "Wild", "Hollow", "Burning", "Northern",
         "Paper", "Velvet", "Distant", "Crimson", "Restless", "Midnight"),
        ("Garden", "River", "Heart", "Highway", "Mirror", "Ocean", "Window", "Summer", "Shadow", "Engine",
         "Lantern", "Harbor", "Signal", "Orchard", "Machine", "Sparrow"),
        ("{a} {n}", "The {n}", "{n} of the {m}", "{a} {n}s", "Under the {a} {n}", "{n}, {m}", "Last {n}"),
        ("Ada", "Ben", "Clara", "Dylan", "Emma", "Felix", "Grace", "Henry", "Iris", "Jack", "Lucy", "Sam"),
        ("Walker", "Hayes", "Moore", "Fletcher", "Reed", "Carter", "Quinn", "Brooks", "Lane", "Porter"),
        ("The {a} {n}s", "{a} {n}", "The {n}s", "{n} Club", "{a} Youth"),
    ),
    _Lexicon(
        "es",
        ("perdido", "dorado", "azul", "eterno", "salvaje", "oscuro", "lejano", "tranquilo", "rojo", "nuevo"),
        ("corazón", "río", "camino", "luna", "ciudad", "fuego", "mar", "viento", "canción", "jardín",
         "silencio", "noche", "día", "sueño"),
        ("{N} {a}", "{N} de {m}", "El {n} {a}", "Canción del {n}", "Sin {n}", "Entre el {n} y el {m}"),
        ("Lucía", "Mateo", "Sofía", "Diego", "Valentina", "Andrés", "Camila", "Joaquín", "Inés", "Pablo"),
        ("García", "Martínez", "López", "Fernández", "Núñez", "Ramírez", "Ortega", "Muñoz", "Castillo"),
        ("Los del {N}", "{N} {a}", "La {N} Band", "Grupo {N}"),
    ),
    _Lexicon(
        "fr",
        ("bleu", "perdu", "doux", "étrange", "ancien", "léger", "sombre", "dernier", "fragile", "secret"),
        ("nuit", "vent", "rêve", "été", "forêt", "cœur", "rivière", "fenêtre", "lumière", "chemin",
         "silence", "hiver", "miroir"),
        ("{N} {a}", "Le {n} et la {m}", "Sous la {n}", "{N} d'{m}", "Dernier {n}", "Après le {n}"),
        ("Camille", "Élodie", "Julien", "Margaux", "Théo", "Chloé", "Lucien", "Anaïs", "Benoît", "Zoé"),
        ("Lefèvre", "Moreau", "Dubois", "Laurent", "Girard", "Rousseau", "Fontaine", "Mercier", "Chevalier"),
        ("Les {N}s", "{N} {a}", "Orchestre du {N}", "Le {N} Club"),
    ),
    _Lexicon(
        "de",
        ("stille", "kalte", "dunkle", "weite", "goldene", "letzte", "neue", "grüne", "müde", "helle"),
        ("Nacht", "Straße", "Stadt", "Welle", "Stimme", "Brücke", "Wolke", "Träume", "Spiegel", "Fabrik",
         "Grenze", "Sehnsucht"),
        ("Die {a} {N}", "{N} und {M}", "Über die {N}", "{N}", "Ohne {N}", "Eine {a} {N}"),
        ("Jonas", "Lena", "Felix", "Hanna", "Lukas", "Jürgen", "Greta", "Matthias", "Sören", "Ute"),
        ("Müller", "Schröder", "Becker", "Hoffmann", "Krüger", "Wagner", "Schäfer", "Vogel", "Koch"),
        ("{N}werk", "Kapelle {N}", "Die {N}-Band", "{A} {N}"),
    ),
    _Lexicon(
        "pt",
        ("azul", "perdido", "antigo", "doce", "sozinho", "dourado", "longe", "novo", "quieto", "selvagem"),
        ("saudade", "coração", "mar", "estrada", "lua", "cidade", "canção", "verão", "janela", "sertão",
         "chuva", "manhã"),
        ("{N} {a}", "{N} do {m}", "Saudade de {n}", "A {n} e o {m}", "Sem {n}", "Canção da {n}"),
        ("João", "Mariana", "Tiago", "Beatriz", "Gonçalo", "Luísa", "Caetano", "Inês", "Rodrigo", "Marta"),
        ("Silva", "Santos", "Conceição", "Araújo", "Gonçalves", "Pereira", "Simões", "Lima", "Brandão"),
        ("Conjunto {N}", "{N} {a}", "Banda do {N}", "Trio {N}"),
    ),
    _Lexicon(
        "ja",
        ("aoi", "shiroi", "tooi", "atarashii", "shizukana", "akai", "yasashii", "kanashii"),
        ("sora", "yoru", "umi", "hoshi", "kaze", "yume", "sakura", "michi", "tsuki", "ame", "machi", "hikari"),
        ("{N} no {M}", "{A} {N}", "{N} to {M}", "よるのそら", "ほしのうた", "あめのまち", "かぜとゆめ", "{N}"),
        ("Haruka", "Ren", "Yui", "Sora", "Takumi", "Aoi", "Kenji", "Mio", "Daichi", "Hina"),
        ("Sato", "Tanaka", "Suzuki", "Takahashi", "Watanabe", "Ito", "Nakamura", "Kobayashi", "Yamamoto"),
        ("{N} {M}", "{A} {N}", "{N}-gumi", "ゆめのおと"),
    ),
    _Lexicon(
        "it",
        ("azzurro", "perduto", "dolce", "lontano", "antico", "ultimo", "selvaggio", "nuovo", "quieto"),
        ("cuore", "mare", "strada", "notte", "città", "vento", "sogno", "estate", "finestra", "canzone",
         "silenzio", "luce"),
        ("{N} {a}", "La {n} del {m}", "Senza {n}", "{N} e {m}", "Canzone della {n}"),
        ("Giulia", "Marco", "Chiara", "Lorenzo", "Francesca", "Niccolò", "Elena", "Matteo", "Nicolò"),
        ("Rossi", "Bianchi", "Esposito", "Ricci", "Colombo", "Fabbri", "De Luca", "Galli", "Mancini"),
        ("Banda del {N}", "{N} {a}", "Orchestra {N}", "Gruppo {N}"),
    ),
)
# English dominates FMA, so it dominates here too.
_LANGUAGE_WEIGHTS = np.array([0.36, 0.12, 0.12, 0.1, 0.1, 0.12, 0.08])


def _fill(pattern: str, lexicon: _Lexicon, rng: np.random.Generator) -> str:
    """Fill ``{a}``/``{n}``/``{m}`` slots; an upper-case slot name capitalises the word."""

    def pick(words: Sequence[str]) -> str:
        return words[int(rng.integers(len(words)))]

    noun = pick(lexicon.nouns)
    other = pick([w for w in lexicon.nouns if w != noun])
    adjective = pick(lexicon.adjectives)

    def cap(word: str) -> str:
        return word[:1].upper() + word[1:]

    text = pattern.format(
        a=adjective, n=noun, m=other, A=cap(adjective), N=cap(noun), M=cap(other)
    )
    return cap(text)


@dataclass(frozen=True)
class Credits:
    artist: str
    album: str
    title: str
    language_code: str
    artist_id: int
    album_id: int
    number: int  # track number on the album


def _pick_lexicon(rng: np.random.Generator) -> _Lexicon:
    return _LEXICONS[int(rng.choice(len(_LEXICONS), p=_LANGUAGE_WEIGHTS / _LANGUAGE_WEIGHTS.sum()))]


def _title(lexicon: _Lexicon, rng: np.random.Generator) -> str:
    return _fill(lexicon.title_patterns[int(rng.integers(len(lexicon.title_patterns)))], lexicon, rng)


def _artist_name(lexicon: _Lexicon, rng: np.random.Generator) -> str:
    if rng.random() < 0.5:
        first = lexicon.first_names[int(rng.integers(len(lexicon.first_names)))]
        last = lexicon.last_names[int(rng.integers(len(lexicon.last_names)))]
        return f"{first} {last}"
    return _fill(lexicon.band_patterns[int(rng.integers(len(lexicon.band_patterns)))], lexicon, rng)


def make_credits(spec: DemoSpec, plan: list[PlannedTrack]) -> dict[int, Credits]:
    """Artists (each with one album, in one language) shared by 2-4 tracks of a genre."""
    credits: dict[int, Credits] = {}
    next_artist_id = 1
    groups: dict[int, list[PlannedTrack]] = {}
    for track in plan:
        # One group per genre; a multi-genre track is its own group (an artist of its own).
        key = track.genres[0] if len(track.genres) == 1 else len(GENRE_RECIPES) + track.index
        groups.setdefault(key, []).append(track)
    for key in sorted(groups):
        tracks = groups[key]
        rng = np.random.default_rng([spec.seed, NAMES_STREAM, key])
        position = 0
        while position < len(tracks):
            size = int(rng.integers(2, 5))
            lexicon = _pick_lexicon(rng)
            artist = _artist_name(lexicon, rng)
            album = _title(lexicon, rng)
            for number, track in enumerate(tracks[position : position + size], start=1):
                title = _title(lexicon, rng)
                credits[track.track_id] = Credits(
                    artist, album, title, lexicon.code, next_artist_id, 1000 + next_artist_id, number
                )
            next_artist_id += 1
            position += size
    return credits



def name_song(language_code: str, rng: np.random.Generator) -> tuple[str, str, str]:
    """``(title, artist, album)`` in one language, for corpora other than the demo's."""
    lexicon = next((lex for lex in _LEXICONS if lex.code == language_code), None)
    if lexicon is None:
        raise ValueError(f"no names for language {language_code!r} (known: {', '.join(x.code for x in _LEXICONS)})")
    return _title(lexicon, rng), _artist_name(lexicon, rng), _title(lexicon, rng)
