"""The reply's own words in the server's language (issue 15): every renderer (Markdown, Discord,
Slack) takes them from ``bot.core.strings``; the article's words are never translated, and an
article in another language than the reply's says which it was read in."""

from __future__ import annotations

import json
import warnings
from dataclasses import fields, replace

import pytest

from bot.core.errors import BadInput, StoreError
from bot.core.render import digest_to_json, digest_to_markdown
from bot.core.service import ChannelSettings, DigestService
from bot.core.store import MemoryStore
from bot.core.strings import DEFAULT_LANGUAGE, REPLY_LANGUAGES, SERVER, Words, check_language, words_for
from bot.core.text import _LANGUAGE_NAMES
from bot.core.types import Article, Digest, KeyPoint, PageMeta, Quote
from bot.slack_chat.render import ACTION_QUOTES, Controls, announce_message, digest_message

with warnings.catch_warnings():  # discord.py imports audioop (deprecated in 3.11, PEP 594)
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    from bot.discord_chat.buttons import DigestButton, digest_view
    from bot.discord_chat.render import digest_payloads, intro_payload, text_payload

from bot.core.flow import View, buttons

GERMAN_TEXT = (
    "Der Stadtrat hat am Dienstag beschlossen, die Hafenmauer mit einem Riff zu erneuern. "
    "„Das ist der günstigste Weg, die Stadt trocken zu halten“, sagte Bürgermeisterin Anna Berg. "
    "Der Plan kostet vier Millionen Euro aus einem nationalen Küstenfonds. "
)
TLDR = "Der Stadtrat hat am Dienstag beschlossen, die Hafenmauer mit einem Riff zu erneuern."
POINT = "Der Plan kostet vier Millionen Euro aus einem nationalen Küstenfonds."
QUOTE = "Das ist der günstigste Weg, die Stadt trocken zu halten"

# What each reply language calls the fixed words: written here by hand, as the README shows them.
EXPECTED = {
    "en": ("TL;DR", "Key points", "Quotes", "2 min read", "read in German"),
    "de": ("Kurz gesagt", "Kernpunkte", "Zitate", "2 Min. Lesezeit", None),
    "fr": ("En bref", "Points clés", "Citations", "2 min de lecture", "lu en allemand"),
    "es": ("En resumen", "Puntos clave", "Citas", "2 min de lectura", "leído en alemán"),
    "pt": ("Em resumo", "Pontos-chave", "Citações", "2 min de leitura", "lido em alemão"),
    "it": ("In breve", "Punti chiave", "Citazioni", "2 min di lettura", "letto in tedesco"),
    "nl": ("Kort gezegd", "Kernpunten", "Citaten", "2 min leestijd", "gelezen in het Duits"),
}


def german_digest() -> Digest:
    """A small German digest: a TL;DR, one point and one shown quote, each a span of its text."""
    text = GERMAN_TEXT * 12  # 444 words: 2 minutes at 230 words a minute
    meta = PageMeta(
        url="https://zeitung.test/hafen", title="Hafen baut ein Riff", site="Zeitung", language="de"
    )
    q_start = text.index(QUOTE)
    quote = Quote(
        QUOTE, "Anna Berg", "sagte", q_start, q_start + len(QUOTE), ((q_start, q_start + len(QUOTE)),)
    )
    p_start = text.index(POINT)
    return Digest(
        article=Article(text=text, meta=meta, extractor="trafilatura"),
        tldr=TLDR,
        tldr_spans=((0, len(TLDR)),),
        key_points=(KeyPoint(POINT, ((p_start, p_start + len(POINT)),)),),
        quotes=(quote,),
        model_name="extractive:lexical-tfidf",
    )


def test_every_reply_language_has_every_word_and_names_every_language() -> None:
    assert REPLY_LANGUAGES[0] == DEFAULT_LANGUAGE == "en"
    assert set(REPLY_LANGUAGES) == set(EXPECTED)
    for code in REPLY_LANGUAGES:
        words = words_for(code)
        assert words.language == code
        for f in fields(Words):
            value = getattr(words, f.name)
            assert value, (code, f.name)
            if f.name == "names":
                assert set(value) == set(_LANGUAGE_NAMES), code  # every language an article is read in
        others = [w for c, w in ((c, words_for(c)) for c in REPLY_LANGUAGES) if c != code]
        assert words.tldr not in {w.tldr for w in others} or code == "en"


def test_the_default_and_an_unknown_language_are_english() -> None:
    assert words_for(None) is words_for("en") is words_for("xx")
    assert ChannelSettings().language == "en"


@pytest.mark.parametrize("value", ["de", "DE", " Deutsch ", "german", "German"])
def test_a_reply_language_is_taken_by_code_or_name(value: str) -> None:
    assert check_language(value) == "de"


@pytest.mark.parametrize("value", ["klingon", "", "ja", 3, None])
def test_a_reply_language_we_do_not_write_is_refused_with_the_choices(value: object) -> None:
    with pytest.raises(BadInput, match=r"one of en \(English\), de \(Deutsch\), fr \(Français\)"):
        check_language(value)


@pytest.mark.parametrize("code", list(EXPECTED))
def test_markdown_in_each_reply_language(code: str) -> None:
    tldr, key_points, quotes, minutes, read_in = EXPECTED[code]
    md = digest_to_markdown(german_digest(), code)
    lines = md.split("\n")
    assert lines[0] == "# Hafen baut ein Riff"
    assert lines[1] == " · ".join(x for x in ("Zeitung", minutes, read_in) if x)
    assert f"**{tldr}:** {TLDR}" in lines and f"**{key_points}**" in lines and f"**{quotes}**" in lines
    assert f"- {POINT}" in lines and f"> “{QUOTE}”" in lines and "> — Anna Berg" in lines


def test_markdown_defaults_to_english() -> None:
    assert digest_to_markdown(german_digest()) == digest_to_markdown(german_digest(), "en")
    assert "· read in German\n" in digest_to_markdown(german_digest())


@pytest.mark.parametrize("code", list(EXPECTED))
def test_discord_embed_and_plain_text_in_each_reply_language(code: str) -> None:
    tldr, key_points, quotes, minutes, read_in = EXPECTED[code]
    digest = german_digest()
    [payload] = digest_payloads(digest, digest.shown_quotes, language=code)
    description = payload["embeds"][0]["description"]
    first, *rest = description.split("\n")
    assert first == "*" + " · ".join(x for x in ("Zeitung", minutes, read_in) if x) + "*"
    assert f"**{tldr}** {TLDR}" in rest and f"**{key_points}**" in rest and f"**{quotes}**" in rest
    assert "> — Anna Berg" in rest
    plain = text_payload(digest, digest.shown_quotes, code)["content"]
    assert f"**{tldr}** {TLDR}" in plain and f"**{key_points}**" in plain


def test_a_discord_digest_without_a_title_is_named_in_the_reply_language() -> None:
    digest = german_digest()
    untitled = replace(digest, article=replace(digest.article, meta=PageMeta(language="de")))
    assert digest_payloads(untitled, (), language="it")[0]["embeds"][0]["title"] == "Riassunto"


def test_discord_intro_in_each_reply_language() -> None:
    assert intro_payload("Riff", 7, language="de")["content"] == "Zusammenfassung von **Riff** für <@7>"
    assert (
        intro_payload(None, 7, 2, language="fr")["content"] == "Résumé de votre texte (+2 autres) pour <@7>"
    )
    assert intro_payload("Riff", 7)["content"] == "Summary of **Riff** for <@7>"


def test_discord_buttons_carry_the_language_and_read_it_back() -> None:
    view_buttons = buttons(3, View(3, True), has_quotes=True)
    view = digest_view("0123abcd", owner=42, buttons=view_buttons, language="pt")
    assert view is not None
    items = [item for item in view.children if isinstance(item, DigestButton)]
    assert [b.item.label for b in items] == ["Mais curto", "Mais pontos", "Ocultar citações"]
    assert [b.custom_id for b in items] == [
        "pr:s:3:1:42:pt:0123abcd",
        "pr:m:3:1:42:pt:0123abcd",
        "pr:q:3:1:42:pt:0123abcd",
    ]
    match = DigestButton.__discord_ui_compiled_template__.fullmatch(items[2].custom_id)
    assert match is not None and (match["language"], match["key"]) == ("pt", "0123abcd")

    english = digest_view("0123abcd", owner=42, buttons=view_buttons)
    assert english is not None
    english_items = [item for item in english.children if isinstance(item, DigestButton)]
    assert english_items[0].custom_id == "pr:s:3:1:42:0123abcd"  # as before languages
    assert [b.item.label for b in english_items] == ["Shorter", "More points", "Hide quotes"]
    match = DigestButton.__discord_ui_compiled_template__.fullmatch("pr:s:3:1:42:0123abcd")
    assert match is not None and (match["language"], match["key"]) == (None, "0123abcd")


@pytest.mark.parametrize("code", list(EXPECTED))
def test_slack_message_in_each_reply_language(code: str) -> None:
    tldr, key_points, quotes, minutes, read_in = EXPECTED[code]
    digest = german_digest()
    message = digest_message(digest, digest.shown_quotes, Controls("k", "U1", 1, True, code))
    blocks = message["blocks"]
    context = blocks[1]["elements"][0]["text"]
    parts = context.split(" · ")
    assert parts[:2] == ["Zeitung", minutes] and (parts[2] == read_in if read_in else len(parts) == 3)
    assert parts[-1] == f"<https://zeitung.test/hafen|{words_for(code).open_article}>"
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert sections[0] == f"*{tldr}* {TLDR}" and sections[1] == f"*{key_points}*\n• {POINT}"
    assert f"> “{QUOTE}”\n> — Anna Berg" in sections[2]
    actions = next(b for b in blocks if b["type"] == "actions")
    words = words_for(code)
    assert [e["text"]["text"] for e in actions["elements"]] == [words.more_points, words.hide_quotes]
    quotes_button = next(e for e in actions["elements"] if e["action_id"] == ACTION_QUOTES)
    assert Controls.decode(quotes_button["value"]) == Controls("k", "U1", 1, False, code)
    del quotes  # the Slack reply has no Quotes heading: quote blocks speak for themselves


def test_slack_without_buttons_takes_the_language_given() -> None:
    message = digest_message(german_digest(), (), language="es")
    assert message["blocks"][2]["text"]["text"].startswith("*En resumen* ")
    assert announce_message("Riff", "ana", language="es")["text"] == "Resumen de *Riff* para ana"
    assert announce_message(None, None, language="it")["text"] == "Riassunto del tuo testo"


def test_an_english_slack_button_value_is_as_before_and_an_old_one_reads_as_english() -> None:
    assert json.loads(Controls("k", "U1", 3, True).encode()) == {
        "article_key": "k",
        "owner": "U1",
        "points": 3,
        "quotes": True,
    }
    old = '{"article_key":"k","owner":"U1","points":3,"quotes":true}'
    assert Controls.decode(old).language == "en"
    assert Controls.decode(Controls("k", "U1", 3, True, "nl").encode()).language == "nl"


def test_the_json_says_which_language_it_was_read_in_whatever_the_reply_language() -> None:
    out = digest_to_json(german_digest())
    assert out["source"]["language"] == "de"
    assert set(out["source"]) == {"url", "canonical_url", "title", "site", "author", "published", "language"}


@pytest.mark.asyncio
async def test_the_reply_language_is_kept_per_server_and_read_back() -> None:
    store = MemoryStore()
    service = DigestService(object(), store)  # type: ignore[arg-type]
    assert await service.reply_language("discord", "G1") == "en"  # never set: English
    saved = await service.update_settings("discord", "G1", SERVER, language="Français")
    assert saved.language == "fr"
    assert await service.reply_language("discord", "G1") == "fr"
    assert await service.reply_language("discord", "G2") == "en"  # another server
    assert await service.reply_language("discord", None) == "en"  # a DM
    assert json.loads(await store.get_settings(f"discord:G1:{SERVER}") or "{}")["language"] == "fr"
    with pytest.raises(BadInput):
        await service.update_settings("discord", "G1", SERVER, language="tlh")
    assert await service.reply_language("discord", "G1") == "fr"
    await service.aclose()


class _SettingsDown(MemoryStore):
    async def get_settings(self, scope: str) -> str | None:
        raise StoreError("the settings file cannot be read")


@pytest.mark.asyncio
async def test_a_store_that_cannot_say_gives_english_not_a_failure() -> None:
    service = DigestService(object(), _SettingsDown())  # type: ignore[arg-type]
    assert await service.reply_language("slack", "T1") == "en"
    await service.aclose()
