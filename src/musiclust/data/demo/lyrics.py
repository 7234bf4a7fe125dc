"""Lyrics of the demo tracks: part of the tracks sing, in several languages, leaning by genre.

Like a lyrics set gathered for FMA, most tracks have none: about a quarter carry lyrics (the
second study found lyrics for about one track in six), a fifth are marked instrumental, the
rest are simply missing. Genre shows only in part: each genre leans towards some themes and
languages (hip-hop sings of the city, mostly in English or French; international tracks of
dancing, often in Spanish or Portuguese), but every line may come from any theme and a song is
often in its title's language, so genres overlap in text as they do in sound.

A few entries are wrong matches, as in real lyrics sets: the lyrics of another song, under
that song's title and artist. A lyrics provider that judges its answers rejects them.

Songs are built from per-language phrase books: line templates whose slots take the nouns and
verbs of a theme. Everything is drawn from ``(spec.seed, LYRICS_STREAM, track index)``, so the
lyrics never change the audio or the names, and a track's lyrics do not depend on the others.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from musiclust.data.demo.names import Credits, make_credits
from musiclust.data.demo.plan import LYRICS_STREAM, DemoSpec, PlannedTrack, plan_tracks
from musiclust.data.demo.recipes import GENRE_RECIPES

THEMES = ("love", "city", "road", "party", "sorrow", "machine", "spirit")
# Share of lines drawn from any theme rather than the genre's lean: the overlap between genres.
THEME_OVERLAP = 0.3
# Chance that a song is in its title's language (when there is a phrase book for it).
TITLE_LANGUAGE = 0.5
# Entries carrying another song's lyrics, title and artist (a wrong match), per 100 tracks.
WRONG_MATCHES_PER_100 = 3


@dataclass(frozen=True)
class Phrasebook:
    """Line templates of one language and, per theme, nouns (with their article) and verbs."""

    code: str
    templates: tuple[str, ...]  # {n}, {m}: nouns; {v}, {w}: verbs (infinitive)
    themes: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]]
    contractions: tuple[tuple[str, str], ...] = ()  # e.g. Spanish "de el" -> "del"


PHRASEBOOKS: dict[str, Phrasebook] = {
    "en": Phrasebook(
        "en",
        ("I {v} {n} every night", "{n} and {m}, that's all I know", "we {v} and we {w} till the morning",
         "take me back to {n}", "nothing but {n} in my head", "{v} with me, {v} with me", "oh, {n}, {n}",
         "when {n} calls I {w}"),
        {
            "love": (("your heart", "a kiss", "your eyes", "sweet love", "a promise", "your name"),
                     ("hold", "want", "need", "remember")),
            "city": (("the street", "the block", "the concrete", "the neon signs", "the subway", "the corner"),
                     ("hustle", "grind", "rhyme", "survive")),
            "road": (("the highway", "the open road", "the engine", "the dust", "the border", "a fast car"),
                     ("drive", "ride", "leave", "chase")),
            "party": (("the beat", "the dance floor", "the summer", "the music", "the lights", "the weekend"),
                      ("dance", "move", "jump", "shine")),
            "sorrow": (("the rain", "the whiskey", "the blues", "trouble", "an empty room", "the cold"),
                       ("cry", "lose", "wait", "bleed")),
            "machine": (("the signal", "the circuit", "the pulse", "a satellite", "the static", "the wire"),
                        ("transmit", "glow", "repeat", "connect")),
            "spirit": (("the sky", "the light", "heaven", "a prayer", "the stars", "the silence"),
                       ("pray", "rise", "believe", "wander")),
        },
    ),
    "es": Phrasebook(
        "es",
        ("quiero {v} con {n}", "{n} y {m}, nada más", "vamos a {v} y a {w}", "llévame a {n}",
         "solo {n} en mi cabeza", "{v} conmigo, {v} conmigo", "ay, {n}, {n}", "cuando llama {n} voy a {w}"),
        {
            "love": (("el corazón", "tu mirada", "un beso", "el amor", "tu nombre", "la promesa"),
                     ("querer", "besar", "esperar", "soñar")),
            "city": (("la calle", "el barrio", "la esquina", "el asfalto", "la ciudad", "el metro"),
                     ("rimar", "luchar", "correr", "sobrevivir")),
            "road": (("la carretera", "el camino", "el polvo", "la frontera", "el motor", "la distancia"),
                     ("viajar", "manejar", "partir", "volver")),
            "party": (("la fiesta", "la pista", "el verano", "la música", "el ritmo", "la noche"),
                      ("bailar", "saltar", "cantar", "brillar")),
            "sorrow": (("la lluvia", "la pena", "el silencio", "la herida", "el olvido", "la soledad"),
                       ("llorar", "perder", "sufrir", "esperar")),
            "machine": (("la señal", "el circuito", "la pantalla", "el pulso", "la máquina", "el satélite"),
                        ("transmitir", "brillar", "repetir", "conectar")),
            "spirit": (("el cielo", "la luz", "las estrellas", "la oración", "el alma", "la eternidad"),
                       ("rezar", "creer", "subir", "volar")),
        },
        contractions=((" a el ", " al "), (" de el ", " del ")),
    ),
    "fr": Phrasebook(
        "fr",
        ("je veux {v} avec {n}", "{n} et {m}, rien d'autre", "on va {v} et {w}", "ramène-moi vers {n}",
         "seulement {n} dans ma tête", "{v} avec moi, {v} avec moi", "oh, {n}, {n}",
         "quand {n} appelle je vais {w}"),
        {
            "love": (("l'amour", "ton regard", "un baiser", "le cœur", "ton nom", "la promesse"),
                     ("aimer", "attendre", "rêver", "embrasser")),
            "city": (("la rue", "le quartier", "le béton", "le métro", "la ville", "le trottoir"),
                     ("rapper", "courir", "lutter", "survivre")),
            "road": (("la route", "l'autoroute", "la poussière", "la frontière", "le moteur", "le voyage"),
                     ("rouler", "partir", "fuir", "revenir")),
            "party": (("la fête", "la piste", "l'été", "la musique", "le rythme", "la nuit"),
                      ("danser", "sauter", "chanter", "briller")),
            "sorrow": (("la pluie", "la peine", "le silence", "la blessure", "l'oubli", "la solitude"),
                       ("pleurer", "perdre", "souffrir", "attendre")),
            "machine": (("le signal", "le circuit", "l'écran", "le pouls", "la machine", "le satellite"),
                        ("transmettre", "briller", "répéter", "connecter")),
            "spirit": (("le ciel", "la lumière", "les étoiles", "la prière", "l'âme", "l'éternité"),
                       ("prier", "croire", "monter", "voler")),
        },
    ),
    "de": Phrasebook(
        "de",
        ("ich will mit dir {v}", "{n} und {m}, sonst nichts", "wir {v} und wir {w} bis zum Morgen",
         "{n} ist alles, was ich hab", "nur {n} in meinem Kopf", "komm, wir {v}, komm, wir {v}", "oh, {n}, {n}",
         "wenn {n} ruft, will ich {w}"),
        {
            "love": (("die Liebe", "dein Blick", "ein Kuss", "das Herz", "dein Name", "das Versprechen"),
                     ("lieben", "warten", "träumen", "küssen")),
            "city": (("die Straße", "das Viertel", "der Beton", "die U-Bahn", "die Stadt", "die Ecke"),
                     ("rappen", "rennen", "kämpfen", "überleben")),
            "road": (("die Autobahn", "der Weg", "der Staub", "die Grenze", "der Motor", "die Ferne"),
                     ("fahren", "gehen", "fliehen", "zurückkehren")),
            "party": (("die Party", "die Tanzfläche", "der Sommer", "die Musik", "der Rhythmus", "die Nacht"),
                      ("tanzen", "springen", "singen", "leuchten")),
            "sorrow": (("der Regen", "der Schmerz", "die Stille", "die Wunde", "das Vergessen", "die Einsamkeit"),
                       ("weinen", "verlieren", "leiden", "warten")),
            "machine": (("das Signal", "der Schaltkreis", "der Bildschirm", "der Puls", "die Maschine",
                         "der Satellit"), ("senden", "leuchten", "wiederholen", "verbinden")),
            "spirit": (("der Himmel", "das Licht", "die Sterne", "das Gebet", "die Seele", "die Ewigkeit"),
                       ("beten", "glauben", "steigen", "fliegen")),
        },
    ),
    "pt": Phrasebook(
        "pt",
        ("quero {v} com {n}", "{n} e {m}, nada mais", "vamos {v} e {w}", "leva-me para {n}",
         "só {n} na minha cabeça", "{v} comigo, {v} comigo", "ai, {n}, {n}", "quando {n} chama eu vou {w}"),
        {
            "love": (("o amor", "o teu olhar", "um beijo", "o coração", "o teu nome", "a promessa"),
                     ("amar", "esperar", "sonhar", "beijar")),
            "city": (("a rua", "o bairro", "o asfalto", "o metrô", "a cidade", "a esquina"),
                     ("rimar", "correr", "lutar", "sobreviver")),
            "road": (("a estrada", "o caminho", "a poeira", "a fronteira", "o motor", "a distância"),
                     ("viajar", "partir", "fugir", "voltar")),
            "party": (("a festa", "a pista", "o verão", "a música", "o ritmo", "a noite"),
                      ("dançar", "pular", "cantar", "brilhar")),
            "sorrow": (("a chuva", "a saudade", "o silêncio", "a ferida", "o esquecimento", "a solidão"),
                       ("chorar", "perder", "sofrer", "esperar")),
            "machine": (("o sinal", "o circuito", "a tela", "o pulso", "a máquina", "o satélite"),
                        ("transmitir", "brilhar", "repetir", "conectar")),
            "spirit": (("o céu", "a luz", "as estrelas", "a oração", "a alma", "a eternidade"),
                       ("rezar", "crer", "subir", "voar")),
        },
    ),
}
LYRICS_LANGUAGES = tuple(PHRASEBOOKS)


@dataclass(frozen=True)
class GenreLyrics:
    """How a genre sings: how often, about what, in which languages (relative weights)."""

    sings: float  # chance that a track has lyrics
    instrumental: float  # chance that it is marked instrumental
    themes: Mapping[str, float]
    languages: Mapping[str, float]


GENRE_LYRICS: dict[str, GenreLyrics] = {
    "Rock": GenreLyrics(0.35, 0.05, {"road": 3, "sorrow": 1, "city": 1, "love": 1}, {"en": 4, "de": 1, "es": 1}),
    "Electronic": GenreLyrics(0.12, 0.35, {"machine": 3, "party": 2, "city": 1}, {"en": 3, "fr": 1, "de": 1}),
    "Hip-Hop": GenreLyrics(0.5, 0.05, {"city": 3, "party": 1, "sorrow": 1}, {"en": 3, "fr": 2, "es": 1}),
    "Folk": GenreLyrics(0.35, 0.08, {"road": 2, "spirit": 1, "love": 1, "sorrow": 1}, {"en": 2, "pt": 1, "de": 1}),
    "Classical": GenreLyrics(0.03, 0.55, {"spirit": 3, "love": 1}, {"de": 1, "fr": 1, "en": 1}),
    "Jazz": GenreLyrics(0.2, 0.25, {"love": 2, "city": 1, "sorrow": 1}, {"en": 3, "fr": 1, "pt": 1}),
    "Pop": GenreLyrics(0.45, 0.05, {"love": 3, "party": 2}, {"en": 3, "es": 1, "fr": 1}),
    "Experimental": GenreLyrics(0.06, 0.35, {"machine": 2, "spirit": 2}, {"en": 1, "de": 1, "fr": 1}),
    "International": GenreLyrics(0.4, 0.1, {"party": 2, "love": 1, "spirit": 1}, {"es": 2, "pt": 2, "fr": 1}),
    "Blues": GenreLyrics(0.4, 0.05, {"sorrow": 3, "road": 2}, {"en": 4}),
}


def _weights(lean: Mapping[str, float], names: Sequence[str], overlap: float) -> np.ndarray:
    """A lean over ``names``, mixed with a uniform share ``overlap``."""
    lean_w = np.array([float(lean.get(name, 0.0)) for name in names])
    return (1.0 - overlap) * lean_w / lean_w.sum() + overlap / len(names)


def _pick(items: Sequence[str], rng: np.random.Generator, p: np.ndarray | None = None) -> str:
    return items[int(rng.choice(len(items), p=p))]


def _line(book: Phrasebook, theme: str, rng: np.random.Generator) -> str:
    nouns, verbs = book.themes[theme]
    noun = _pick(nouns, rng)
    other = _pick([n for n in nouns if n != noun], rng)
    verb = _pick(verbs, rng)
    other_verb = _pick([v for v in verbs if v != verb], rng)
    text = f" {_pick(book.templates, rng).format(n=noun, m=other, v=verb, w=other_verb)} "
    for long, short in book.contractions:
        text = text.replace(long, short)
    text = text.strip()
    return text[:1].upper() + text[1:]


def write_song(
    language: str, theme_weights: Mapping[str, float], rng: np.random.Generator, title: str | None = None,
    overlap: float = THEME_OVERLAP,
) -> str:
    """A song: verse, chorus, verse, chorus (stanzas separated by a blank line).

    Each line takes its theme from ``theme_weights`` mixed with a uniform share ``overlap``;
    the chorus opens with ``title`` when one is given, as choruses often do.
    """
    book = PHRASEBOOKS[language]
    weights = _weights(theme_weights, THEMES, overlap)

    def lines(n: int) -> list[str]:
        return [_line(book, _pick(THEMES, rng, weights), rng) for _ in range(n)]

    chorus = ([title] if title else []) + lines(2 if title else 3)
    verses = [lines(4), lines(4)]
    stanzas = [verses[0], chorus, verses[1], chorus]
    return "\n\n".join("\n".join(stanza) for stanza in stanzas)


@dataclass(frozen=True)
class TrackLyrics:
    """What the demo's lyrics file says about one track."""

    status: str  # found | instrumental | not_found | wrong_match (the intended outcome)
    lyrics: str | None = None
    language: str | None = None
    title: str | None = None  # the title and artist the entry names (another song's for a wrong match)
    artist: str | None = None


def plan_lyrics(spec: DemoSpec, plan: Sequence[PlannedTrack], credits: Mapping[int, Credits]) -> dict[int, TrackLyrics]:
    """Lyrics (or their absence) of every planned track, keyed by track id."""
    planned: dict[int, TrackLyrics] = {}
    for track in plan:
        credit = credits[track.track_id]
        profile = GENRE_LYRICS[GENRE_RECIPES[track.genres[0]].name]
        rng = np.random.default_rng([spec.seed, LYRICS_STREAM, track.index])
        draw = rng.random()
        if draw < profile.sings:
            if credit.language_code in PHRASEBOOKS and rng.random() < TITLE_LANGUAGE:
                language = credit.language_code
            else:
                language = _pick(LYRICS_LANGUAGES, rng, _weights(profile.languages, LYRICS_LANGUAGES, 0.2))
            title = credit.title if language == credit.language_code and rng.random() < 0.6 else None
            lyrics = write_song(language, profile.themes, rng, title=title)
            planned[track.track_id] = TrackLyrics("found", lyrics, language, credit.title, credit.artist)
        elif draw < profile.sings + profile.instrumental:
            planned[track.track_id] = TrackLyrics("instrumental", title=credit.title, artist=credit.artist)
        else:
            planned[track.track_id] = TrackLyrics("not_found", title=credit.title, artist=credit.artist)
    _plant_wrong_matches(spec, plan, credits, planned)
    return planned


def demo_lyrics(spec: DemoSpec) -> dict[int, TrackLyrics]:
    """The lyrics plan of a whole demo corpus (what its lyrics.jsonl says), keyed by track id."""
    plan = plan_tracks(spec)
    return plan_lyrics(spec, plan, make_credits(spec, plan))


def _plant_wrong_matches(
    spec: DemoSpec, plan: Sequence[PlannedTrack], credits: Mapping[int, Credits], planned: dict[int, TrackLyrics]
) -> None:
    """Give a few lyric-less tracks another song's entry: a different title by a different artist."""
    missing = [t.track_id for t in plan if planned[t.track_id].status == "not_found"]
    n_wrong = min(len(missing), round(WRONG_MATCHES_PER_100 * len(plan) / 100))
    if n_wrong == 0:
        return
    rng = np.random.default_rng([spec.seed, LYRICS_STREAM, len(plan)])  # past every track's stream
    artists = sorted({c.artist for c in credits.values()})
    for track_id in sorted(rng.choice(missing, size=n_wrong, replace=False).tolist()):
        artist = _pick([a for a in artists if a != credits[track_id].artist] or ["Various Artists"], rng)
        language = _pick(LYRICS_LANGUAGES, rng)
        lyrics = write_song(language, {theme: 1.0 for theme in THEMES}, rng)
        title = _line(PHRASEBOOKS[language], _pick(THEMES, rng), rng)  # a title no demo track has
        planned[track_id] = TrackLyrics("wrong_match", lyrics, language, title, artist)


def lyrics_records(
    plan: Sequence[PlannedTrack], credits: Mapping[int, Credits], lyrics: Mapping[int, TrackLyrics], duration: float
) -> list[dict]:
    """One JSON-ready object a track: what ``lyrics.jsonl`` holds (the local provider's format)."""
    records = []
    for track in plan:
        entry, credit = lyrics[track.track_id], credits[track.track_id]
        records.append(
            {
                "track_id": track.track_id,
                "title": entry.title,
                "artist": entry.artist,
                "album": credit.album if entry.status != "wrong_match" else None,
                "duration": duration,
                "lyrics": entry.lyrics,
                "instrumental": entry.status == "instrumental",
                "language": entry.language,
            }
        )
    return records
