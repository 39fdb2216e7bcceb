"""The chat prompt that asks a model for key points, and the parsing of its answer into points.

Shared by the local instruction-tuned models (``causal``) and OpenAI-compatible servers. An
article in another language than English (``language``, ISO 639-1) is sent as it is, and the
prompt names its language and asks for the points in it, untranslated; the prompt's own words
stay English, which instruction-tuned models follow best. An English article's prompt says
nothing about language (it is the prompt of issue 7, word for word).
"""

from __future__ import annotations

import re

from bot.core.text import language_name
from models.languages import is_english
from models.sentences import split_sentences

__all__ = ["SYSTEM_PROMPT", "chat_messages", "language_instruction", "parse_points", "user_prompt"]

SYSTEM_PROMPT = (
    "You summarize news articles faithfully. State only facts the article states, with its names "
    "and numbers exactly as written. Never quote anyone and never add an opinion."
)

# "- ", "* ", "• ", "1. ", "2) ", "(3) " at the start of a line.
_BULLET_RE = re.compile(r"^\s*(?:[-*•‣●▪–—]|\d{1,2}[.)]|\(\d{1,2}\))\s+")
_MARKDOWN_RE = re.compile(r"\*\*|__|`")


def language_instruction(language: str | None) -> str:
    """The sentence that asks for the answer in the article's language ("" for English)."""
    if is_english(language):
        return ""
    name = language_name(language or "")
    return (
        f"The article is in {name}. Write the key points in {name}, not in English: do not translate, "
        "and keep its names and numbers as the article writes them. "
    )


def user_prompt(article: str, points: int, title: str | None = None, language: str | None = None) -> str:
    heading = f"Title: {title}\n\n" if title else ""
    return (
        f"{language_instruction(language)}"
        f"Write the {points} most important key points of the article below as a list: one point "
        f'per line, each line starting with "- " and holding one short sentence.\n\n'
        f"{heading}Article:\n{article}"
    )


def chat_messages(
    article: str,
    points: int,
    title: str | None = None,
    *,
    system_role: bool = True,
    language: str | None = None,
) -> list[dict[str, str]]:
    """The conversation; templates without a system role get its text at the top of the user turn."""
    user = user_prompt(article, points, title, language)
    if system_role:
        return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]
    return [{"role": "user", "content": f"{SYSTEM_PROMPT}\n\n{user}"}]


def parse_points(answer: str) -> list[str]:
    """The points of a model's answer: its list items if it wrote a list, else its sentences.

    Headings ("Here are the key points:") and Markdown emphasis are dropped; order is kept and
    repeats are removed."""
    lines = [line for line in answer.splitlines() if line.strip()]
    items = [_BULLET_RE.sub("", line) for line in lines if _BULLET_RE.match(line)]
    if not items:
        items = [s.text for s in split_sentences(answer)]
    points: list[str] = []
    seen: set[str] = set()
    for item in items:
        point = " ".join(_MARKDOWN_RE.sub("", item).split())
        key = point.casefold()
        if point and not point.endswith(":") and key not in seen:
            seen.add(key)
            points.append(point)
    return points
