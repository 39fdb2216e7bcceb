"""Quotes in a language other than English: the marks and spans of ``marks``, and a speaker only
where a rule is sure.

The English passes (statements, names, attribution) read English words: run on German or
Russian they would guess. Here a quote is any span the marks pass finds, in every style it
knows: “…” and "…", „…“ and ‚…‘ (German), „…” (Polish), «…» (French, Russian), »…« (German,
Danish), 「…」 and 『…』 (Chinese, Japanese). A span shorter than ``min_words`` words (Chinese and
Japanese counted as ``bot.core.text.count_words`` does) or that reads as a title is dropped.

The speaker is a name of two to four capitalised words right beside the quote with one of the
language's reporting verbs (``models.languages.LanguageRules.reporting``) between them and
nothing else (a leading word the article also writes in lower case, such as the German article
"Die", is not part of a name)::

    „Wir bauen das Riff“, sagte Anna Schmidt.       « Nous ne reculerons pas », a déclaré Jean Dupont.
    Anna Schmidt sagte: „Wir bauen das Riff.“       «Мы не отступим», — заявил Иван Петров.

Anything else ("sagte sie", "dijo el ministro", a language with no verbs listed) leaves the
speaker None: a quote with no speaker is kept in the JSON and never shown (``compose``).
"""

from __future__ import annotations

import re

from bot.core.text import count_words
from bot.core.types import Quote
from models import deadline
from models.languages import LanguageRules, rules_for
from models.quotes.marks import _MARK_CHARS, _spans
from models.quotes.statements import _looks_like_title

__all__ = ["NAMED_CONFIDENCE", "quotes_in"]

# A name of two or more words set right beside a reporting verb: as sure as English's "said X".
NAMED_CONFIDENCE = 0.95
NAME_MAX_WORDS = 4

# After the closing mark: a comma or full stop, a dash (Russian "», — заявил"), then the verb.
_AFTER_CLOSE = re.compile(rf"\s*[{_MARK_CHARS}]\s*[,.]?\s*(?:[—–-]\s*)?")
# Before the opening mark: the verb and a colon ("Anna Schmidt sagte: „...").
_BEFORE_OPEN = re.compile(r"\s*:\s*$")
_TOKEN = re.compile(r"[^\W\d_][\w'’-]*")
_NAME_END = re.compile(r"\s*(?:[.,;:!?)]|$)")


class _Speakers:
    """The sure speakers of one article (see the module docstring)."""

    def __init__(self, text: str, rules: LanguageRules) -> None:
        self._text = text
        self._rules = rules
        self._lower: set[str] | None = None

    def _common(self, word: str) -> bool:
        """Written in lower case somewhere in the article: a common word, not part of a name."""
        if self._lower is None:
            self._lower = {w for w in _TOKEN.findall(self._text) if w[0].islower()}
        return word.lower() in self._lower

    def _named(self, words: list[str]) -> str | None:
        while words and self._common(words[0]):
            words = words[1:]
        return " ".join(words) if len(words) >= 2 else None

    def _name_after(self, pos: int) -> str | None:
        """Capitalised words starting at ``pos``, then punctuation or the end of the text."""
        text, words, at = self._text, [], pos
        while len(words) < NAME_MAX_WORDS:
            m = _TOKEN.match(text, at)
            if m is None or not m.group()[0].isupper():
                break
            words.append(m.group())
            at = m.end()
            if not text.startswith(" ", at) or not text[at + 1 : at + 2].isupper():
                break
            at += 1
        return self._named(words) if _NAME_END.match(text, at) else None

    def _name_before(self, end: int) -> str | None:
        """Capitalised words ending at ``end``."""
        words = re.findall(r"\S+", self._text[max(0, end - 120) : end])[-NAME_MAX_WORDS:]
        name: list[str] = []
        for word in reversed(words):
            if not _TOKEN.fullmatch(word) or not word[0].isupper():
                break
            name.insert(0, word)
        return self._named(name)

    def of(self, end: int, closed: bool, mark_start: int) -> tuple[str, str] | None:
        """``(speaker, verb)`` of the quote that ends at ``end`` (its closing mark there when
        ``closed``) and opens at ``mark_start``, when a verb and a name sit right beside it."""
        text, reporting, reporting_end = self._text, self._rules.reporting, self._rules.reporting_end
        if reporting is None:  # a language with no verbs listed (``reporting_end`` is None with it)
            return None
        after = _AFTER_CLOSE.match(text, end) if closed else None
        if after is not None:
            verb = reporting.match(text, after.end())
            if verb is not None and text.startswith(" ", verb.end()):
                name = self._name_after(verb.end() + 1)
                if name is not None:
                    return name, verb.group()
        before = _BEFORE_OPEN.search(text, max(0, mark_start - 160), mark_start)
        if before is not None:
            lead = text[max(0, before.start() - 40) : before.start()]
            verb = reporting_end.search(lead)
            if verb is not None and lead[: verb.start()].endswith(" "):
                name = self._name_before(before.start() - len(lead) + verb.start() - 1)
                if name is not None:
                    return name, verb.group()
        return None


def quotes_in(text: str, language: str, *, min_words: int = 4) -> list[Quote]:
    """The quotations of ``text`` read in ``language``, in article order (see the module docstring)."""
    speakers = _Speakers(text, rules_for(language))
    quotes = []
    for span in _spans(text):
        deadline.check()
        said = text[span.start : span.end]
        if not said.strip() or count_words(said) < min_words or _looks_like_title(said):
            continue
        found = speakers.of(span.end, span.closed, span.mark_start)
        speaker, verb = found if found else (None, None)
        quotes.append(
            Quote(
                said,
                speaker,
                verb,
                span.start,
                span.end,
                confidence=NAMED_CONFIDENCE if speaker else None,
            )
        )
    return quotes
