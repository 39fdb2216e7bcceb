"""The reply's own words, in the languages a server can choose: written by hand, never translated.

A digest is always in its article's language (its sentences are the article's). What the bot
adds around them, the headings (TL;DR, Key points, Quotes), the buttons, the byline's "min read"
and "read in German", the announcement "Summary of ... for ...", is in the server's reply
language (``ChannelSettings.language``, kept for a whole Discord server or Slack workspace under
the channel ``SERVER``), English by default. Every renderer (Markdown, Discord, Slack) takes its
words from ``words_for``; error messages and settings stay English.

To add a language: a ``Words`` in ``_WORDS`` and a line of names in ``_NAMES``, written by someone
who reads it (the tests check every language has every word and every name).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.core.errors import BadInput
from bot.core.text import LANGUAGE_CODES, language_name

__all__ = [
    "DEFAULT_LANGUAGE",
    "REPLY_LANGUAGES",
    "SERVER",
    "Words",
    "check_language",
    "words_for",
]

DEFAULT_LANGUAGE = "en"
SERVER = "*"
"""The channel under which a server's (a workspace's) own settings are kept: no channel id is
``*`` on Discord (digits) or Slack (``C...``)."""


@dataclass(frozen=True, slots=True)
class Words:
    """One reply language's fixed words. ``{n}``, ``{name}``, ``{what}``, ``{who}`` and
    ``{platform}`` are filled in by the methods below."""

    language: str
    own_name: str
    """The language's name in itself, as the settings list it ("Deutsch")."""
    tldr: str
    key_points: str
    quotes: str
    unattributed: str
    """Under a quote whose speaker is unknown."""
    minutes: str
    read_in: str
    """The byline's mark of an article in another language than the reply's."""
    shorter: str
    more_points: str
    show_quotes: str
    hide_quotes: str
    open_article: str
    summary: str
    """The title of a digest whose article had none."""
    left_out: str
    summary_of: str
    summary_of_text: str
    for_whom: str
    more_links: str
    names: Mapping[str, str] = field(init=False)
    """Languages' names in this language, by ISO 639-1 code (``_NAMES``)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", _NAMES[self.language])

    def byline_marks(self, minutes: int, language: str | None) -> list[str]:
        """What a byline adds after the article's site, author and date: "4 min read", then
        "read in German" for an article in ``language`` when that is known and not the reply's."""
        marks = [self.minutes.format(n=minutes)]
        if language and language != self.language:
            marks.append(self.read_in.format(name=self.names.get(language, language)))
        return marks

    def not_shown(self, n: int, platform: str) -> str:
        return self.left_out.format(n=n, platform=platform)

    def announcement(self, what: str | None, who: str | None, more: int = 0) -> str:
        """ "Summary of *title* (+1 more) for name": ``what`` already formatted for the platform
        (None: pasted text), ``who`` likewise (None: nobody named)."""
        head = self.summary_of.format(what=what) if what else self.summary_of_text
        if more:
            head += self.more_links.format(n=more)
        return self.for_whom.format(summary=head, who=who) if who else head


def _names(line: str) -> dict[str, str]:
    """One language's names of the languages ``bot.core.text`` names, "|"-separated in its order."""
    names = [n.strip() for n in line.split("|")]
    if len(names) != len(LANGUAGE_CODES):
        raise ValueError(f"{len(names)} names for {len(LANGUAGE_CODES)} languages")
    return dict(zip(LANGUAGE_CODES, names, strict=True))


_NAMES = {
    "en": {code: language_name(code) for code in LANGUAGE_CODES},
    "de": _names(
        "Deutsch|Französisch|Spanisch|Italienisch|Portugiesisch|Niederländisch|Russisch|Ukrainisch|"
        "Polnisch|Türkisch|Arabisch|Chinesisch|Japanisch|Koreanisch|Schwedisch|Englisch|Dänisch|"
        "Norwegisch|Finnisch|Tschechisch|Griechisch|Hebräisch|Hindi|Indonesisch|Vietnamesisch|"
        "Rumänisch|Ungarisch|Persisch|Thailändisch|Katalanisch|Bulgarisch|Slowakisch|Slowenisch|"
        "Kroatisch|Serbisch|Litauisch|Lettisch|Estnisch|Malaiisch|Bengalisch|Urdu|Marathi|Armenisch|"
        "Amharisch|Kasachisch|Laotisch|Khmer|Birmanisch|Tibetisch|Dzongkha"
    ),
    "fr": _names(
        "allemand|français|espagnol|italien|portugais|néerlandais|russe|ukrainien|polonais|turc|"
        "arabe|chinois|japonais|coréen|suédois|anglais|danois|norvégien|finnois|tchèque|grec|hébreu|"
        "hindi|indonésien|vietnamien|roumain|hongrois|persan|thaï|catalan|bulgare|slovaque|slovène|"
        "croate|serbe|lituanien|letton|estonien|malais|bengali|ourdou|marathi|arménien|amharique|"
        "kazakh|lao|khmer|birman|tibétain|dzongkha"
    ),
    "es": _names(
        "alemán|francés|español|italiano|portugués|neerlandés|ruso|ucraniano|polaco|turco|árabe|"
        "chino|japonés|coreano|sueco|inglés|danés|noruego|finés|checo|griego|hebreo|hindi|indonesio|"
        "vietnamita|rumano|húngaro|persa|tailandés|catalán|búlgaro|eslovaco|esloveno|croata|serbio|"
        "lituano|letón|estonio|malayo|bengalí|urdu|maratí|armenio|amárico|kazajo|lao|jemer|birmano|"
        "tibetano|dzongkha"
    ),
    # Brazilian spelling (polonês, tcheco, armênio): most Portuguese-speaking users write it.
    "pt": _names(
        "alemão|francês|espanhol|italiano|português|neerlandês|russo|ucraniano|polonês|turco|árabe|"
        "chinês|japonês|coreano|sueco|inglês|dinamarquês|norueguês|finlandês|tcheco|grego|hebraico|"
        "hindi|indonésio|vietnamita|romeno|húngaro|persa|tailandês|catalão|búlgaro|eslovaco|esloveno|"
        "croata|sérvio|lituano|letão|estoniano|malaio|bengali|urdu|marati|armênio|amárico|cazaque|"
        "laosiano|khmer|birmanês|tibetano|dzongkha"
    ),
    "it": _names(
        "tedesco|francese|spagnolo|italiano|portoghese|olandese|russo|ucraino|polacco|turco|arabo|"
        "cinese|giapponese|coreano|svedese|inglese|danese|norvegese|finlandese|ceco|greco|ebraico|"
        "hindi|indonesiano|vietnamita|rumeno|ungherese|persiano|thailandese|catalano|bulgaro|slovacco|"
        "sloveno|croato|serbo|lituano|lettone|estone|malese|bengalese|urdu|marathi|armeno|amarico|"
        "kazako|lao|khmer|birmano|tibetano|dzongkha"
    ),
    "nl": _names(
        "Duits|Frans|Spaans|Italiaans|Portugees|Nederlands|Russisch|Oekraïens|Pools|Turks|Arabisch|"
        "Chinees|Japans|Koreaans|Zweeds|Engels|Deens|Noors|Fins|Tsjechisch|Grieks|Hebreeuws|Hindi|"
        "Indonesisch|Vietnamees|Roemeens|Hongaars|Perzisch|Thai|Catalaans|Bulgaars|Slowaaks|Sloveens|"
        "Kroatisch|Servisch|Litouws|Lets|Estisch|Maleis|Bengaals|Urdu|Marathi|Armeens|Amhaars|Kazachs|"
        "Laotiaans|Khmer|Birmaans|Tibetaans|Dzongkha"
    ),
}

_WORDS = {
    w.language: w
    for w in (
        Words(
            "en", "English", tldr="TL;DR", key_points="Key points", quotes="Quotes",
            unattributed="unattributed", minutes="{n} min read", read_in="read in {name}",
            shorter="Shorter", more_points="More points", show_quotes="Quotes",
            hide_quotes="Hide quotes", open_article="Open the article", summary="Summary",
            left_out="{n} more not shown: too long for one {platform} message",
            summary_of="Summary of {what}", summary_of_text="Summary of your text",
            for_whom="{summary} for {who}", more_links=" (+{n} more)",
        ),
        Words(
            "de", "Deutsch", tldr="Kurz gesagt", key_points="Kernpunkte", quotes="Zitate",
            unattributed="Quelle unbekannt", minutes="{n} Min. Lesezeit", read_in="auf {name} gelesen",
            shorter="Kürzer", more_points="Mehr Punkte", show_quotes="Zitate",
            hide_quotes="Zitate ausblenden", open_article="Artikel öffnen", summary="Zusammenfassung",
            left_out="{n} weitere nicht gezeigt: zu lang für eine {platform}-Nachricht",
            summary_of="Zusammenfassung von {what}", summary_of_text="Zusammenfassung deines Textes",
            for_whom="{summary} für {who}", more_links=" (+{n} weitere)",
        ),
        Words(
            "fr", "Français", tldr="En bref", key_points="Points clés", quotes="Citations",
            unattributed="source inconnue", minutes="{n} min de lecture", read_in="lu en {name}",
            shorter="Plus court", more_points="Plus de points", show_quotes="Citations",
            hide_quotes="Masquer les citations", open_article="Ouvrir l’article", summary="Résumé",
            left_out="{n} autres non affichés : trop long pour un seul message {platform}",
            summary_of="Résumé de {what}", summary_of_text="Résumé de votre texte",
            for_whom="{summary} pour {who}", more_links=" (+{n} autres)",
        ),
        Words(
            "es", "Español", tldr="En resumen", key_points="Puntos clave", quotes="Citas",
            unattributed="fuente desconocida", minutes="{n} min de lectura", read_in="leído en {name}",
            shorter="Más corto", more_points="Más puntos", show_quotes="Citas", hide_quotes="Ocultar citas",
            open_article="Abrir el artículo", summary="Resumen",
            left_out="{n} más sin mostrar: demasiado largo para un mensaje de {platform}",
            summary_of="Resumen de {what}", summary_of_text="Resumen de tu texto",
            for_whom="{summary} para {who}", more_links=" (+{n} más)",
        ),
        Words(
            "pt", "Português", tldr="Em resumo", key_points="Pontos-chave", quotes="Citações",
            unattributed="fonte desconhecida", minutes="{n} min de leitura", read_in="lido em {name}",
            shorter="Mais curto", more_points="Mais pontos", show_quotes="Citações",
            hide_quotes="Ocultar citações", open_article="Abrir o artigo", summary="Resumo",
            left_out="Mais {n} não mostrados: longo demais para uma mensagem do {platform}",
            summary_of="Resumo de {what}", summary_of_text="Resumo do seu texto",
            for_whom="{summary} para {who}", more_links=" (+{n} outros)",
        ),
        Words(
            "it", "Italiano", tldr="In breve", key_points="Punti chiave", quotes="Citazioni",
            unattributed="fonte sconosciuta", minutes="{n} min di lettura", read_in="letto in {name}",
            shorter="Più breve", more_points="Più punti", show_quotes="Citazioni",
            hide_quotes="Nascondi citazioni", open_article="Apri l’articolo", summary="Riassunto",
            left_out="Altri {n} non mostrati: troppo lungo per un messaggio di {platform}",
            summary_of="Riassunto di {what}", summary_of_text="Riassunto del tuo testo",
            for_whom="{summary} per {who}", more_links=" (+{n} altri)",
        ),
        Words(
            "nl", "Nederlands", tldr="Kort gezegd", key_points="Kernpunten", quotes="Citaten",
            unattributed="bron onbekend", minutes="{n} min leestijd", read_in="gelezen in het {name}",
            shorter="Korter", more_points="Meer punten", show_quotes="Citaten",
            hide_quotes="Citaten verbergen", open_article="Artikel openen", summary="Samenvatting",
            left_out="Nog {n} niet getoond: te lang voor één {platform}-bericht",
            summary_of="Samenvatting van {what}", summary_of_text="Samenvatting van je tekst",
            for_whom="{summary} voor {who}", more_links=" (+{n} meer)",
        ),
    )
}  # fmt: skip

REPLY_LANGUAGES: tuple[str, ...] = tuple(_WORDS)
"""The reply languages a server can choose, English first."""


def words_for(language: str | None) -> Words:
    """The fixed words of reply language ``language``; English for None or one we do not have
    (a button from a later version, a setting written by hand)."""
    return _WORDS.get(language or DEFAULT_LANGUAGE, _WORDS[DEFAULT_LANGUAGE])


def check_language(value: object) -> str:
    """A reply language as a setting takes it: a code (``de``) or the language's own or English
    name (``Deutsch``, ``german``), any case. ``BadInput`` lists the choices otherwise."""
    if isinstance(value, str):
        wanted = value.strip().lower()
        for code, words in _WORDS.items():
            if wanted in (code, words.own_name.lower(), _NAMES["en"][code].lower()):
                return code
    choices = ", ".join(f"{code} ({words.own_name})" for code, words in _WORDS.items())
    raise BadInput(f"the reply language must be one of {choices}")
