"""Abstractive backends and grounding on articles in other languages (issue 15): the backend gets
the article in its own language and is asked to answer in it; grounding reads that language's
names and numbers (decimal commas, digits of other scripts, scripts without capitals, Chinese
written without spaces). The articles are written for these tests."""

from __future__ import annotations

import unicodedata

import pytest

from models.abstractive import AbstractiveSummarizer, OpenAIChatGenerator
from models.abstractive.prompt import chat_messages
from models.grounding import LEXICAL_GROUNDING, ground_points, numbers_in
from models.keypoints import Hints
from models.lexical import ArticleLexicon
from models.sentences import split_sentences

from .conftest import BagOfWordsEncoder
from .fake_openai import FakeOpenAIServer, fake_openai_server
from .test_abstractive_summarizer import ScriptedGenerator

GERMAN = (
    "Der Stadtrat von Freiburg hat am Dienstag den Bau einer neuen Straßenbahnlinie beschlossen. "
    "Die Linie soll 2,5 Millionen Euro kosten und 12 Haltestellen bekommen. "
    "Oberbürgermeister Martin Horn sprach von einem wichtigen Tag für die Stadt. "
    "Die Bauarbeiten beginnen im kommenden Frühjahr und sollen zwei Jahre dauern. "
    "Anwohner im Stadtteil Haslach hatten lange auf die Verbindung gewartet. "
    "Kritik kam von der Opposition, die noch höhere Kosten befürchtet. "
    "Die Verkehrsbetriebe rechnen mit 8.000 Fahrgästen pro Tag auf der neuen Strecke. "
    "Der Bund übernimmt einen Teil der Kosten für das Projekt."
)
ARABIC = (
    "أعلنت وزارة الصحة يوم الثلاثاء أن ١٢ شخصا أصيبوا في حادث سير على الطريق السريع قرب المدينة. "
    "وقال المتحدث باسم الوزارة إن حالة ثلاثة من المصابين خطيرة. "
    "وأغلقت الشرطة الطريق السريع لمدة ساعتين بعد الحادث. "
    "وطالب سكان المنطقة بتحسين الإضاءة على الطريق منذ سنوات."
)
CHINESE = (
    "欧盟周二宣布将向乌克兰提供50亿欧元援助。"
    "这笔资金将用于重建当地的电网和供水系统。"
    "欧盟委员会表示，援助将在今年年底前分批发放。"
    "乌克兰政府对此表示欢迎，并感谢欧洲伙伴的支持。"
)


def ground(text: str, language: str, *points: str):
    sentences = split_sentences(text, language)
    lexicon = ArticleLexicon([s.text for s in sentences])
    return ground_points(
        text, list(points), lexicon, LEXICAL_GROUNDING, sentences=sentences, language=language
    )


# -- grounding ---------------------------------------------------------------------------------


def test_german_numbers_are_read_as_german_writes_them() -> None:
    assert numbers_in("2,5 Millionen Euro für 8.000 Fahrgäste", language="de") == [2_500_000, 8000]
    # The English reading of the same text, for contrast: 2 and 8.0.
    assert numbers_in("2,5 Millionen Euro für 8.000 Fahrgäste") == [2, 8.0]


def test_a_german_point_with_the_articles_numbers_is_kept_and_a_wrong_amount_is_dropped() -> None:
    faithful, thousands, wrong, wrong_scale = ground(
        GERMAN,
        "de",
        "Die neue Linie soll 2,5 Millionen Euro kosten und 12 Haltestellen bekommen.",
        "Die Verkehrsbetriebe rechnen mit 8000 Fahrgästen pro Tag auf der Strecke.",
        "Die neue Linie soll 3,5 Millionen Euro kosten und 12 Haltestellen bekommen.",
        "Die neue Linie soll 2,5 Milliarden Euro kosten und 12 Haltestellen bekommen.",
    )
    assert faithful.supported, faithful.reason
    assert faithful.spans == (_span(GERMAN, "de", "2,5 Millionen"),)
    assert thousands.supported, thousands.reason  # "8.000" in the article is 8000
    assert not wrong.supported and wrong.failed == "number" and "3.5e+06" in wrong.reason
    # "Milliarden" is a noun, capitalised, so the name check already stops it; its value is wrong too.
    assert not wrong_scale.supported
    assert numbers_in("2,5 Milliarden", language="de") == [2.5e9]


def test_a_german_point_naming_someone_else_is_dropped() -> None:
    (g,) = ground(
        GERMAN, "de", "Oberbürgermeister Dieter Salomon sprach von einem wichtigen Tag für die Stadt."
    )
    assert not g.supported and g.failed == "entity" and "dieter" in g.reason


def test_a_name_with_diacritics_matches_whatever_its_unicode_form() -> None:
    point = unicodedata.normalize("NFD", "Oberbürgermeister Martin Horn sprach von einem wichtigen Tag.")
    assert "ü" not in point  # a u and a combining diaeresis, as some editors and OCR write it
    (g,) = ground(GERMAN, "de", point)
    assert g.supported, g.reason
    assert g.text == point  # shown as written


def test_arabic_indic_digits_are_the_numbers_they_write() -> None:
    assert numbers_in("أصيب ١٢ شخصا و٣٫٥ مليون", language="ar") == [12, 3.5]
    right, wrong = ground(
        ARABIC,
        "ar",
        "أعلنت وزارة الصحة أن 12 شخصا أصيبوا في حادث سير على الطريق السريع.",
        "أعلنت وزارة الصحة أن 21 شخصا أصيبوا في حادث سير على الطريق السريع.",
    )
    assert right.supported, right.reason
    assert not wrong.supported and wrong.failed == "number" and "21" in wrong.reason


def test_in_a_script_without_capitals_most_words_must_be_the_articles() -> None:
    # Half its words are the sentence's: enough where names can be checked by their capitals
    # (0.4), not in Arabic, where an invented name is just another word (0.6).
    (g,) = ground(
        ARABIC,
        "ar",
        "أعلنت وزارة الصحة أن 12 شخصا أصيبوا في انفجار داخل مصنع الكيماويات الجديد.",
    )
    assert not g.supported and g.failed == "wording" and "50%" in g.reason


def test_chinese_is_grounded_two_characters_at_a_time_and_latin_names_still_count() -> None:
    assert numbers_in("欧盟周二宣布将向乌克兰提供50亿欧元援助", language="zh") == [5e9]
    faithful, nato, wrong = ground(
        CHINESE,
        "zh",
        "欧盟宣布将向乌克兰提供50亿欧元的援助。",
        "NATO宣布将向乌克兰提供50亿欧元的援助。",
        "欧盟宣布将向乌克兰提供60亿欧元的援助。",
    )
    assert faithful.supported, faithful.reason
    assert not nato.supported and nato.failed == "entity" and "nato" in nato.reason
    assert not wrong.supported and wrong.failed == "number"


def test_invented_words_in_german_quotation_marks_are_dropped() -> None:
    (g,) = ground(
        GERMAN,
        "de",
        "Oberbürgermeister Martin Horn sprach von einem „historischen Durchbruch“ für die Stadt.",
    )
    assert not g.supported and g.failed == "quote"


def test_english_grounding_is_unchanged_by_the_language_rules() -> None:
    # Language None: English numbers, English words; "8.000" is eight.
    assert numbers_in("It cost 2.5 million and 8.000 people came", language=None) == [2_500_000, 8.0]
    assert numbers_in("It cost 2.5 million", language="en") == [2_500_000]


# -- the summarizer ----------------------------------------------------------------------------

SCRIPT_DE = {
    "2,5 Millionen": [
        "Die neue Linie soll 2,5 Millionen Euro kosten und 12 Haltestellen bekommen.",
        "Die neue Linie soll 3,5 Millionen Euro kosten und 12 Haltestellen bekommen.",
    ],
    "Martin Horn": ["Oberbürgermeister Dieter Salomon sprach von einem wichtigen Tag für die Stadt."],
    "8.000": ["Die Verkehrsbetriebe rechnen mit 8000 Fahrgästen pro Tag auf der Strecke."],
}


def test_a_german_article_is_summarized_in_german_grounded_on_its_own_words() -> None:
    generator = ScriptedGenerator(SCRIPT_DE, budget=400)
    encoder = BagOfWordsEncoder()
    summarizer = AbstractiveSummarizer(generator, encoder)
    result = summarizer.summarize(
        GERMAN, 3, hints=Hints(title="Freiburg baut neue Straßenbahn", language="de")
    )

    assert generator.languages == ["de"]
    assert generator.calls == [[GERMAN]]
    assert encoder.calls == []  # the English encoder never reads German
    rewritten = [p for p in result.points if p.rewritten]
    assert [p.text for p in rewritten] == [
        "Die neue Linie soll 2,5 Millionen Euro kosten und 12 Haltestellen bekommen.",
        "Die Verkehrsbetriebe rechnen mit 8000 Fahrgästen pro Tag auf der Strecke.",
    ]
    assert rewritten[1].spans == (_span(GERMAN, "de", "8.000"),)
    assert len(result.points) == 3 and not result.points[1].rewritten  # the extractive fill
    assert result.tldr is not None and result.tldr.text == GERMAN[: GERMAN.index(".") + 1]
    assert summarizer.name_for("de") == "scripted+grounded:lexical-tfidf"
    assert summarizer.name_for("en") == summarizer.name_for(None) == "scripted+grounded"


def test_an_english_article_is_sent_with_no_language_and_grounded_on_the_encoder() -> None:
    from .tiny_models import ARTICLE

    generator = ScriptedGenerator()
    encoder = BagOfWordsEncoder()
    AbstractiveSummarizer(generator, encoder).summarize(ARTICLE, 3, hints=Hints(language="en"))
    assert generator.languages == ["en"] and encoder.calls


# -- the prompt --------------------------------------------------------------------------------


def test_the_prompt_names_the_articles_language_and_says_nothing_of_english() -> None:
    german = chat_messages("Der Stadtrat hat beschlossen.", 3, language="de")[1]["content"]
    assert german.startswith("The article is in German. Write the key points in German, not in English")
    assert german.endswith("Article:\nDer Stadtrat hat beschlossen.")
    for language in (None, "en"):
        english = chat_messages("The council voted.", 3, language=language)
        assert english == chat_messages("The council voted.", 3)
        assert "language" not in english[1]["content"] and "English" not in english[1]["content"]


@pytest.fixture
def server():
    with fake_openai_server() as fake:
        yield fake


def test_the_server_gets_the_article_as_it_is_and_is_asked_for_portuguese(server: FakeOpenAIServer) -> None:
    generator = OpenAIChatGenerator(server.base_url, "m", timeout_s=5)
    chunk = "O governo anunciou um novo plano. O plano custa 3 milhões de euros."
    (points,) = generator.generate([chunk], 2, language="pt")
    assert points == ["O governo anunciou um novo plano.", "O plano custa 3 milhões de euros."]
    prompt = server.requests[0].body["messages"][1]["content"]
    assert "The article is in Portuguese. Write the key points in Portuguese" in prompt
    assert prompt.endswith(chunk)
    generator.close()


def _span(text: str, language: str, fragment: str) -> tuple[int, int]:
    (s,) = [s for s in split_sentences(text, language) if fragment in s.text]
    return s.start, s.end
