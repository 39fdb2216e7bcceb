"""Text in any language: counting its words, and naming its language.

A word is a run between spaces, except in Chinese and Japanese, which put no space between words:
there, two characters count as one word (about the length of a word in both; Japanese news reads
at about twice as many characters a minute as English reads words), and a run of punctuation
beside them ("。") is no word. Text with no Chinese or Japanese characters counts exactly as
``len(text.split())``.
"""

from __future__ import annotations

import math
import re

__all__ = [
    "CJK_CHARS",
    "CJK_CHARS_PER_WORD",
    "LANGUAGE_CODES",
    "MONTHS",
    "WEEKDAYS",
    "count_words",
    "language_name",
]

# The English calendar's names, as the rules that read dates and times write them.
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

CJK_CHARS_PER_WORD = 2
# Han (with extensions A and the compatibility block), hiragana and katakana. Hangul is left out:
# Korean puts spaces between its words.
CJK_CHARS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK = re.compile(f"[{CJK_CHARS}]")


def count_words(text: str) -> int:
    """Words in ``text`` (see the module docstring)."""
    cjk = len(_CJK.findall(text)) if _CJK.search(text) else 0
    if not cjk:
        return len(text.split())
    rest = sum(1 for token in _CJK.sub(" ", text).split() if any(c.isalnum() for c in token))
    return rest + math.ceil(cjk / CJK_CHARS_PER_WORD)


_LANGUAGE_NAMES = {
    "de": "German", "fr": "French", "es": "Spanish", "it": "Italian", "pt": "Portuguese",
    "nl": "Dutch", "ru": "Russian", "uk": "Ukrainian", "pl": "Polish", "tr": "Turkish",
    "ar": "Arabic", "zh": "Chinese", "ja": "Japanese", "ko": "Korean", "sv": "Swedish",
    "en": "English", "da": "Danish", "no": "Norwegian", "fi": "Finnish", "cs": "Czech", "el": "Greek",
    "he": "Hebrew", "hi": "Hindi", "id": "Indonesian", "vi": "Vietnamese", "ro": "Romanian",
    "hu": "Hungarian", "fa": "Persian", "th": "Thai", "ca": "Catalan", "bg": "Bulgarian",
    "sk": "Slovak", "sl": "Slovenian", "hr": "Croatian", "sr": "Serbian", "lt": "Lithuanian",
    "lv": "Latvian", "et": "Estonian", "ms": "Malay", "bn": "Bengali", "ur": "Urdu", "mr": "Marathi",
    "hy": "Armenian", "am": "Amharic", "kk": "Kazakh", "lo": "Lao", "km": "Khmer", "my": "Burmese",
    "bo": "Tibetan", "dz": "Dzongkha",
}  # fmt: skip
LANGUAGE_CODES: tuple[str, ...] = tuple(_LANGUAGE_NAMES)
"""The languages named here (ISO 639-1), in this order."""


def language_name(code: str) -> str:
    """The English name of the language ``code`` (ISO 639-1), or the code when it has none here."""
    return _LANGUAGE_NAMES.get(code, code)
