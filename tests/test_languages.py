"""Digests of articles in other languages (issue 15), on small texts written for the tests:
sentences split per language, key points chosen on the article's own words (never the English
encoder), the digest's rules where they carry over, quotes in each language's marks with a speaker
only where a reporting verb names one, and the language the digest was read in."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from bot.core.errors import NotAnArticle, PrecisError
from bot.core.extract import article_from_text, check_readable, read_html
from bot.core.pipeline import Digester
from bot.core.render import digest_to_json, digest_to_markdown
from bot.core.text import count_words
from bot.core.types import Digest, DigestOptions
from models.keypoints import TLDR_MAX_WORDS, Hints, depends_on_context, repeats, tldr_unfit
from models.languages import PYSBD_LANGUAGES, content_words
from models.quotes import extract_quotes
from models.sentences import split_sentences
from models.summarizer import ExtractiveSummarizer, LazyExtractiveSummarizer

from .conftest import BagOfWordsEncoder, eval_page, load_jsonl, require_eval


class EnglishOnlyEncoder:
    """Stands in for the English encoder: an article in another language must never reach it."""

    name = "english-only"
    quantized = False

    def encode(self, sentences: Sequence[str]) -> np.ndarray:
        raise AssertionError(f"the English encoder was asked to read {sentences[:1]!r}")


def digest_of(text: str, **options: object) -> Digest:
    digester = Digester(None, ExtractiveSummarizer(EnglishOnlyEncoder()), extract_quotes)
    article = article_from_text(text)
    check_readable(article)
    return digester.digest_article(article, DigestOptions(**options))  # type: ignore[arg-type]


GERMAN = (
    "Hafenmauer wird durch ein Austernriff ersetzt\n"
    "Der Stadtrat von Kiel hat am Dienstag mit neun zu zwei Stimmen beschlossen, die marode Hafenmauer "
    "durch ein lebendes Austernriff zu ersetzen. "
    "Das Riff soll 14 Millionen Euro kosten, die zum größten Teil aus einem Küstenfonds des Bundes kommen. "
    "Er hatte die Pläne schon im Frühjahr vorgestellt. "
    "Die alte Mauer aus dem Jahr 1962 war im vergangenen Winter zweimal gebrochen, vierzig Häuser standen "
    "unter Wasser. "
    "„Wir können weiter Beton gießen oder etwas bauen, das mitwächst“, sagte Anna Schmidt. "
    "„Das wird nicht über Nacht gehen“, sagte sie. "
    "Fischer fürchten, dass die Bauarbeiten die Hafeneinfahrt während der Sommersaison sperren. "
    "Die Arbeiten sollen im September beginnen und drei Jahre dauern, teilte die Stadt mit. "
    "Lesen Sie auch: Alle Berichte über die Sturmflut an der Ostsee.\n"
    "Meeresbiologen der Universität Kiel begleiten das Projekt mit regelmäßigen Messungen im Hafen."
)


# -- sentences --------------------------------------------------------------------------------


def test_the_languages_we_hand_to_pysbd_are_the_ones_it_has() -> None:
    from pysbd.languages import LANGUAGE_CODES

    assert set(LANGUAGE_CODES) >= PYSBD_LANGUAGES


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        (  # pysbd's German rules: "3. Mai" is a date; a quote's inner full stop stays inside it
            "de",
            "Der Rat hat am 3. Mai entschieden. „Das ist gut. Wir freuen uns“, sagte Anna Schmidt. Was nun?",
            [
                "Der Rat hat am 3. Mai entschieden.",
                "„Das ist gut. Wir freuen uns“, sagte Anna Schmidt.",
                "Was nun?",
            ],
        ),
        (  # the fallback (pysbd has no Portuguese): "Sr." is an abbreviation, “…” a quotation
            "pt",
            "O governo anunciou uma reforma. O Sr. Silva disse que não. "
            "“Não vamos recuar. Nunca”, afirmou Ana.",
            [
                "O governo anunciou uma reforma.",
                "O Sr. Silva disse que não.",
                "“Não vamos recuar. Nunca”, afirmou Ana.",
            ],
        ),
        (  # the fallback on Korean: a two-syllable word before a full stop is no abbreviation
            "ko",
            "이유리의 연기는 여전히 시선을 끈다. 다만 이유리는 작가의 글 솜씨를 많이 타는 배우다.",
            ["이유리의 연기는 여전히 시선을 끈다.", "다만 이유리는 작가의 글 솜씨를 많이 타는 배우다."],
        ),
        (  # CJK full stops need no space; 「…」 holds its own full stop
            "ja",
            "政府は改革を発表した。「我々は後退しない。絶対に」と田中氏は述べた。ストは続いている！本当か？",
            [
                "政府は改革を発表した。",
                "「我々は後退しない。絶対に」と田中氏は述べた。",
                "ストは続いている！",
                "本当か？",
            ],
        ),
        (  # French « » with no-break spaces inside
            "fr",
            "Le conseil a voté mardi. «\u00a0Nous ne reculerons pas. Jamais\u00a0», a dit Jean Dupont. "
            "La grève dure.",
            [
                "Le conseil a voté mardi.",
                "«\u00a0Nous ne reculerons pas. Jamais\u00a0», a dit Jean Dupont.",
                "La grève dure.",
            ],
        ),
    ],
)
def test_sentences_are_split_by_the_rules_of_their_language(
    language: str, text: str, expected: list[str]
) -> None:
    sentences = split_sentences(text, language)
    assert [s.text for s in sentences] == expected
    assert all(text[s.start : s.end] == s.text for s in sentences)


def test_chinese_and_japanese_words_are_counted_without_spaces() -> None:
    assert count_words("The council voted on Tuesday.") == 5
    assert count_words("政府は火曜日に改革を発表した。") == 7  # 14 characters, two to a word
    assert count_words("Kindle for PCの起動ホットキー。") == 3 + 4  # and 8 characters


def test_words_of_any_script_are_compared_when_looking_for_repeats() -> None:
    said = "Правительство объявило о реформе пенсионной системы во вторник."
    again = "Во вторник правительство объявило о реформе пенсионной системы."
    assert content_words(said)  # none of these letters is a-z
    assert repeats(said, again, "ru") and not repeats(
        said, "Забастовка продолжается уже третью неделю.", "ru"
    )


# -- key points -------------------------------------------------------------------------------


def test_a_german_article_gets_a_digest_chosen_on_its_own_words() -> None:
    digest = digest_of(GERMAN)
    points = [p.text for p in digest.key_points]
    assert digest.article.meta.language == "de"
    assert digest.tldr.startswith("Der Stadtrat von Kiel hat am Dienstag")
    assert len(points) == 2  # a brief of under 150 words: at most two points
    assert all(not p.startswith("Er ") for p in points)  # leans on the sentence before it
    assert not any("Lesen Sie auch" in p for p in points)  # boilerplate
    assert not any(repeats(p, digest.tldr, "de") for p in points)
    for point in digest.key_points:
        assert point.text == "".join(digest.article.text[a:b] for a, b in point.spans)


def test_another_languages_tldr_is_a_whole_sentence_within_the_cap() -> None:
    long_lede = (
        "Der Stadtrat von Kiel hat am Dienstag nach einer langen und sehr emotional geführten Debatte mit "
        "neun zu zwei Stimmen beschlossen, die marode alte Hafenmauer aus dem Jahr 1962 abzureißen und sie "
        "durch ein lebendes Austernriff zu ersetzen. "
    )
    digest = digest_of(GERMAN.replace(GERMAN.split("\n")[1].split(". ")[0] + ". ", long_lede))
    assert count_words(digest.tldr) <= TLDR_MAX_WORDS
    assert digest.tldr.endswith(".") and digest.tldr in digest.article.text  # not cut, not changed


def test_a_japanese_article_gets_a_digest() -> None:
    japanese = (
        "港の防波堤をカキの礁に置き換えることが決まった。"
        "市議会は火曜日、老朽化した防波堤を生きたカキの礁に置き換える計画を賛成多数で可決した。"
        "費用は約二十億円で、その大部分は国の沿岸基金から支出される。"
        "古い防波堤は昨年の冬に二度決壊し、四十戸の住宅が浸水した。"
        "漁業関係者は、工事中に夏の漁期の港の入り口が閉鎖されることを懸念している。"
        "工事は九月に始まり、三年間続く予定だ。"
        "市は地元の大学と協力して、礁の成長を毎月調査するという。"
    )
    digest = digest_of(japanese)
    assert digest.article.meta.language == "ja"
    assert digest.tldr and count_words(digest.tldr) <= TLDR_MAX_WORDS
    assert len(digest.key_points) == 2  # a brief of under 150 words: at most two points
    assert all(p.text.endswith("。") and p.text != digest.tldr for p in digest.key_points)


def test_the_lazy_summarizer_never_loads_the_english_encoder_for_another_language() -> None:
    summarizer = LazyExtractiveSummarizer()
    result = summarizer.summarize(GERMAN, 2, hints=Hints(language="de"))
    assert result.tldr is not None and len(result.points) == 2
    assert summarizer._loaded is None


def test_english_still_takes_the_english_path() -> None:
    english = (
        "Councillors in Port Ellis voted 9 to 2 on Thursday to replace the sea wall with an oyster reef. "
        "It will cost £14 million, most of it from a national coastal fund. "
        "Work is expected to begin in September and to take three years. "
        "The old wall, built in 1962, was breached twice last winter, flooding forty homes. "
        "Fishermen fear the works will close the harbour mouth during the summer season."
    )
    encoder = BagOfWordsEncoder()
    digester = Digester(None, ExtractiveSummarizer(encoder), extract_quotes)
    digester.digest_article(article_from_text(english), DigestOptions())
    assert encoder.calls  # the encoder chose them


def test_a_text_with_no_sentences_is_refused_with_that_reason() -> None:
    lyrics = "\n".join(["Ich hab dich gesucht in jeder Nacht", "Und dich gefunden im Morgenlicht"] * 20)
    with pytest.raises(NotAnArticle, match=r"no sentences to summarize.*cannot be split into sentences"):
        check_readable(article_from_text(lyrics))


# -- quotes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        (
            "de",
            "„Wir bauen das Riff noch in diesem Jahr“, sagte Anna Schmidt. "
            "„Das wird nicht leicht“, sagte sie.",
            [("Wir bauen das Riff noch in diesem Jahr", "Anna Schmidt"), ("Das wird nicht leicht", None)],
        ),
        (
            "de",
            "Die Bürgermeisterin Anna Schmidt sagte: »Das ist ein guter Tag für die Stadt Kiel.«",
            [("Das ist ein guter Tag für die Stadt Kiel.", "Bürgermeisterin Anna Schmidt")],
        ),
        (
            "fr",
            "«\u00a0Nous ne reculerons pas devant la rue\u00a0», a déclaré Jean Dupont. "
            "«\u00a0Ce sera long et difficile\u00a0», a-t-il ajouté.",
            [("Nous ne reculerons pas devant la rue", "Jean Dupont"), ("Ce sera long et difficile", None)],
        ),
        (
            "ru",
            "«Мы не отступим ни на шаг», — заявил Иван Петров. «Это будет долго и трудно», — сказал он.",
            [("Мы не отступим ни на шаг", "Иван Петров"), ("Это будет долго и трудно", None)],
        ),
        (
            "de",
            "„Er rief: ‚Kommt alle her!‘ und dann ging er nach Hause“, sagte Jonas Weber.",
            [("Er rief: ‚Kommt alle her!‘ und dann ging er nach Hause", "Jonas Weber")],
        ),
        (
            "es",
            "“No descartaría que se utilicen armas nucleares”, alertó Dmitri Murátov.",
            [("No descartaría que se utilicen armas nucleares", "Dmitri Murátov")],
        ),
        (
            "de",
            "„Manche Krankenhäuser würden ohne die Pendler nicht funktionieren“, erläutert Antonia Koch.",
            [("Manche Krankenhäuser würden ohne die Pendler nicht funktionieren", "Antonia Koch")],
        ),
        (  # no reporting verbs listed for Japanese: no speaker is guessed
            "ja",
            "「我々は決して後退しない」と田中氏は述べた。『改革』という言葉が繰り返された。",
            [("我々は決して後退しない", None)],
        ),
    ],
)
def test_quotes_in_each_languages_marks_with_a_speaker_only_when_sure(
    language: str, text: str, expected: list[tuple[str, str | None]]
) -> None:
    quotes = extract_quotes(text, language=language)
    assert [(q.text, q.speaker) for q in quotes] == expected
    assert all(text[q.start : q.end] == q.text for q in quotes)


def test_only_a_quote_with_a_sure_speaker_is_shown() -> None:
    digest = digest_of(GERMAN)
    shown = [(q.text, q.speaker) for q in digest.shown_quotes]
    assert shown == [("Wir können weiter Beton gießen oder etwas bauen, das mitwächst", "Anna Schmidt")]
    assert [q.speaker for q in digest.quotes if not q.shown] == [None]


# -- the reply --------------------------------------------------------------------------------


def test_the_digest_says_the_language_it_was_read_in_and_keeps_its_own_words_english() -> None:
    digest = digest_of(GERMAN)
    assert digest_to_json(digest)["source"]["language"] == "de"
    markdown = digest_to_markdown(digest)
    assert "**TL;DR:** Der Stadtrat" in markdown and "**Key points**" in markdown and "**Quotes**" in markdown
    assert "read in German" in markdown


# -- real pages -------------------------------------------------------------------------------


def test_the_non_english_dev_pages_get_digests_in_their_own_language() -> None:
    """The extraction dev pages in other languages (Portuguese, Korean, Indonesian, Italian,
    German, and a Japanese page labelled English): each complete article gets a digest made of its
    own sentences, without the English encoder; only a standings table is refused."""
    rows = load_jsonl(require_eval("extraction", "dev.jsonl"))
    summarizer = LazyExtractiveSummarizer()
    digester = Digester(None, summarizer, extract_quotes)
    read, refused = [], []
    for row in rows:
        try:
            article = read_html(eval_page(row), row["url"])
        except PrecisError:
            refused += [row["id"][:10]] if row["lang_guess"] != "en" else []
            continue
        if article.meta.language == "en":
            continue
        digest = digester.digest_article(article, DigestOptions())
        assert digest.tldr == "".join(article.text[a:b] for a, b in digest.tldr_spans) != ""
        assert all(p.text == "".join(article.text[a:b] for a, b in p.spans) for p in digest.key_points)
        read.append(article.meta.language)
    assert refused == ["11ea381ad9"]  # NASCAR standings: 103 words, no article
    assert sorted(read) == ["de", "id", "it", "ja", "ko", "ko", "pt", "pt", "pt"]
    assert summarizer._loaded is None


@pytest.mark.parametrize(
    ("sentence", "language", "leans"),
    [
        ("Dadurch nimmt deren Umfang zu, sagen die Forscher in Kiel.", "de", True),
        ("Bei anderen Verträgen gilt eine Frist von zwei Wochen.", "de", True),
        ("Bei Regen fällt das Konzert im Stadtpark am Samstag aus.", "de", False),
        ("Es por esto que comprender los efectos es uno de los retos.", "es", True),
        ("Es la primera vez que el termómetro supera los 18 grados.", "es", False),
        ("Por ende, la empresa decidió cerrar la fábrica de Monterrey.", "es", True),
        ("La misma compañía anunció otro recorte de plantilla en marzo.", "es", True),
        ("La compañía anunció un recorte de plantilla en marzo.", "es", False),
        ("É por isso que o governo adiou a votação para dezembro.", "pt", True),
        ("O mesmo ministro já tinha anunciado o corte em março.", "pt", True),
        ("O ministro anunciou o corte de verbas em março.", "pt", False),
        ("C'est le lien entre les deux affaires que la justice examine.", "fr", True),
        ("Voire même une hausse des prix dès le mois prochain.", "fr", True),
        ("Cet été, le gouvernement a annoncé une hausse des prix.", "fr", False),
        ("Jednak rząd nie zgodził się na zmiany w ustawie.", "pl", True),
        ("Ten projekt kosztował miliony złotych w ubiegłym roku.", "pl", True),
        ("Ten rok był trudny dla rolników w całym kraju.", "pl", False),
        ("Rząd nie zgodził się na zmiany w ustawie o szkolnictwie.", "pl", False),
    ],
)
def test_openings_that_lean_on_the_sentence_before_in_other_languages(
    sentence: str, language: str, leans: bool
) -> None:
    assert depends_on_context(sentence, language) is leans


def test_a_polish_point_in_the_writers_own_voice_is_not_a_tldr() -> None:
    assert tldr_unfit("Moim zdaniem rząd powinien zmienić ustawę jeszcze w tym roku.", "pl") is not None
    assert tldr_unfit("Rząd zmienił ustawę o szkolnictwie wyższym we wtorek wieczorem.", "pl") is None
