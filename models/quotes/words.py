"""The word classes that statements, names and attribution read sentences with.

Reporting verbs (``_VERB_FORMS``, found in text by ``_VERB_RE``; "according to" by
``_ACCORDING``), other verb-like words, prepositions, determiners, quantifiers, pronouns and
stopwords; and the two noun-phrase readers built on them: ``_np_suffix``, the phrase that ends a
stretch of text ("... to his daughter Princess Eugenie"), and ``_np_prefix``, the phrase that
starts one ("ESPN's Britt McHenry this week found ..."). No stage of its own: the vocabulary the
later stages share.
"""

from __future__ import annotations

import re
from itertools import chain

# --- letters -------------------------------------------------------------------------------------

# The capital and small Latin letters, as the inside of a character class: ASCII and the Latin-1
# and Latin Extended letters, so that a rule reading a capitalised word reads "Özil", "Åsberg",
# "Łukasz", "Þórsson" and "Šefčovič" as it reads "Smith": ``rf"[{_UPPER}][\w'-]*"``. On ASCII text
# ``[{_UPPER}]`` is ``[A-Z]``, ``[{_LOWER}]`` is ``[a-z]`` and ``[{_LETTER}]`` is ``[A-Za-z]``.
_LATIN = [chr(c) for c in range(0xC0, 0x250)]
_UPPER = "A-Z" + "".join(c for c in _LATIN if c.isupper())
_LOWER = "a-z" + "".join(c for c in _LATIN if c.islower())
_LETTER = _UPPER + _LOWER

# --- words ---------------------------------------------------------------------------------------

# The abbreviated titles, written once: each is an abbreviation (below) and a title a name run
# drops (``names._TITLES``). The plural ones title several people: "Sens. A and B".
_PLURAL_TITLE_ABBREVIATIONS = frozenset("sens reps govs".split())
_TITLE_ABBREVIATIONS = (
    frozenset(
        """mr mrs ms mx dr sr jr prof gen maj col capt lt sgt sen rep gov rev fr cpl pte pvt spc adm
        cmdr cdr det insp supt brig""".split()
    )
    | _PLURAL_TITLE_ABBREVIATIONS
)
# Words whose full stop ends no sentence and no name: the one list the sentence splitter, the
# attribution clause and the name runs read (``_abbreviated``), every abbreviated title included.
_ABBREVIATIONS = _TITLE_ABBREVIATIONS | frozenset(
    """st no vs etc inc ltd co corp
    jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k a.m p.m""".split()
)
_INITIALS = re.compile(rf"(?:[{_UPPER}]\.)*[{_UPPER}]")  # "G.K", "F", "É"


# US states as news agencies abbreviate them after a town ("Cambridge, Mass."), capitalised; not
# "Ill.", "Miss.", "Wash.", which are also words that end sentences.
_STATES = frozenset(
    """Ala Ariz Ark Calif Colo Conn Del Fla Ga Ind Kan Ky La Md Mass Mich Minn Mo Mont Neb Nev
    Okla Ore Pa Tenn Tex Vt Va Wis Wyo""".split()
)


def _abbreviated(core: str) -> bool:
    """A word whose full stop is not a sentence end: "Mr", "Gov", "U.S", an initial, "Calif"."""
    return core.lower() in _ABBREVIATIONS or bool(_INITIALS.fullmatch(core)) or core in _STATES


_VERB_FORMS = frozenset(
    """said says say saying told tells telling added adds adding wrote writes writing explained
    explains continued continues concluded concludes admitted admits insisted insists declared
    declares stated states replied replies responded responds asked asks warned warns claimed
    claims noted notes recalled recalls joked jokes quipped quips confirmed confirms announced
    announces tweeted tweets posted posts texted texting reads argued argues suggested suggests
    revealed reveals agreed agrees urged urges commented comments remarked remarks exclaimed
    exclaims shouted shouts screamed screams yelled yells cried cries whispered whispers boasted
    boasts complained complains acknowledged acknowledges conceded concedes predicted predicts
    promised promises vowed vows pledged pledges recounted recounts laughed laughs sighed sighs
    pleaded pleads begged begs demanded demands muttered mutters recommended recommends stressed
    stresses maintained maintains asserted asserts reported reports testified testifies emailed
    messaged wondered wonders describes described mused muses countered counters interjected
    blasted slammed raged fumed gushed answered answers pressed presses cautioned cautions
    contended contends emphasized emphasizes emphasised emphasises reiterated reiterates retorted
    retorts observed observes scoffed snapped proclaimed proclaims""".split()
)

_PHRASAL = (
    r"(?:fires back|fired back|shot back|shoots back|hit back|hits back|pointed out|points out|"
    r"went on|goes on|puts? it(?=\s*[,:]))"  # "as X put it: '", never "put it on the table"
)


def _by_first_letter(words: frozenset[str]) -> str:
    """An alternation of ``words``, longest first, grouped by first letter: the engine tries only
    the group that can match, not every word at every word start."""
    groups: dict[str, list[str]] = {}
    for word in sorted(words, key=len, reverse=True):
        groups.setdefault(word[0], []).append(word[1:])
    return "|".join(f"{first}(?:{'|'.join(rest)})" for first, rest in groups.items())


_VERB_RE = re.compile(
    r"\b(?:(?:had|has|have)\s+|(?:is|was|are|were)\s+(?=[a-z]+ing\b))?(?:"
    + _PHRASAL
    + "|"
    + _by_first_letter(_VERB_FORMS)
    + r")\b(?:\s+online\b|(?<=said)\s+to\s+(?:me|him|us|them|reporters)\b)?"
)
_ACCORDING = re.compile(r"\b[Aa]ccording to\b")

_AUXILIARIES = frozenset(
    "is are was were be been has have had will would could can did does do may might must should".split()
)
_IRREGULAR = frozenset(
    """paid made took gave went came got did told wrote met left felt kept held won lost ran saw
    knew thought brought bought sent spent found put set let began became showed shown done gone
    seen known taken given written broke broken chose fell fought flew grew hit hurt led meant rose
    sat sang slept spoke stood stole struck swore taught threw understood woke wore built drew
    drove ate forgot forgave hid lay rode shook shot shut sold sought spread stuck swam swung tore
    wept heard fled dealt""".split()
)
_S_VERBS = frozenset(
    """says tells adds writes loves likes enjoys wants needs lives works plays looks makes takes
    gets goes comes knows thinks believes feels seems appears remains becomes joins regards denies
    hopes plans admits insists agrees claims warns faces leads runs owns keeps holds wins shows
    points urges calls hits gives puts sees wears teams stays spends uses tries helps""".split()
)
_ED_NOUNS = frozenset("red bed need seed feed shed speed breed greed steed hundred led bred sled".split())
_CLAUSE_WORDS = frozenset(
    "that when while because if where and but as who which whom whose though although".split()
)
_PREPOSITIONS = frozenset(
    """of in on at by from with to for into onto over under about against between through during
    without within after before since until toward towards across around near via per like than
    upon amid among""".split()
)
_DETERMINERS = frozenset("the a an his her its their our my your this that these those".split())
_QUANTIFIERS = frozenset(
    "one two three four five six several some many most all none each both another".split()
)
_PERSONAL = frozenset("he she they it we i".split())
_PRONOUN_KIND = {"he": "person", "she": "person", "they": "any", "it": "org", "we": "any", "i": "any"}
_TIME_WORDS = frozenset("today yesterday tomorrow tonight now then later earlier recently".split())
_STOPWORDS = frozenset(
    """the a an and but or so yet for nor if when while after before because as since though
    although this that these those there here it its he she they we i you his her their our my
    your in on at by from with to of into over under about among between during without within
    not no yes also then now meanwhile however finally today yesterday tomorrow earlier later last
    next first one two three some many most more all both each every other such what which who
    whom whose where why how sure well oh scroll dear former ex late then-""".split()
)


def _is_verbish(word: str) -> bool:
    w = word.lower().strip(".,;:!?")
    return (
        w in _VERB_FORMS
        or w in _AUXILIARIES
        or w in _IRREGULAR
        or w in _S_VERBS
        or w.endswith("n't")
        or (len(w) > 3 and w.endswith("ed") and w not in _ED_NOUNS)
    )


def _is_content(word: str) -> bool:
    """A lowercase word that can sit inside a noun phrase: not a verb, preposition or pronoun."""
    w = word.lower().strip(".,;:!?")
    return bool(w) and not (
        _is_verbish(w)
        or w in _PREPOSITIONS
        or w in _CLAUSE_WORDS
        or w in _PERSONAL
        or w in _TIME_WORDS
        or w in _STOPWORDS
        or (w.endswith("ly") and len(w) > 4)
    )


_WORD_RE = re.compile(r"\S+")


def _np_suffix(part: str) -> tuple[str, int] | None:
    """The noun phrase ending ``part``: "... to his daughter Princess Eugenie" -> "his daughter ..."."""
    backwards = ((m.group()[::-1].strip(",;:"), len(part) - m.end()) for m in _WORD_RE.finditer(part[::-1]))
    read: list[tuple[str, int]] = []  # words from the end, read lazily: the phrase is short

    def word(k: int) -> str | None:
        """The ``k``-th word from the end (0 is the last), or None before the first."""
        while len(read) <= k:
            nxt = next(backwards, None)
            if nxt is None:
                return None
            read.append(nxt)
        return read[k][0]

    k, first, lowers = 0, None, 0
    while (w := word(k)) is not None:
        lw = w.lower()
        if w[:1].isupper() or w[:1].isdigit():
            first = k
        elif (
            lw in ("of", "&")
            and first is not None
            and (before := word(k + 1)) is not None
            and (before[:1].isupper() or before.lower() in _QUANTIFIERS)
        ):
            first = k
        elif lw in _DETERMINERS and first is not None:
            first = k
            if (word(k + 1) or "").lower() == "of" and (word(k + 2) or "").lower() in _QUANTIFIERS:
                first = k + 2  # "one of the group"
                while (
                    (before := word(first + 1)) is not None and before[:1].isupper() and not _is_stop(before)
                ):
                    first += 1  # "Abu Ibrahim Raqqawi one of the group's founders"
            break
        elif lw in _QUANTIFIERS and first is not None:
            first = k
            break
        elif _is_content(w) and lowers < 4:
            first, lowers = k, lowers + 1
        else:
            break
        k += 1
    if first is None:
        return None
    start = read[first][1]
    return part[start:].strip(" ,;:"), start


def _is_stop(word: str) -> bool:
    return word.lower().strip(",;:.") in _STOPWORDS


_LEADING_ADVERBS = frozenset("and but so now then meanwhile however also yet still even just finally".split())


def _np_prefix(part: str) -> tuple[str, int] | None:
    """The noun phrase starting ``part``: "ESPN's Britt McHenry this week found ..." -> "ESPN's ..."."""
    words = ((m.group(), m.start()) for m in _WORD_RE.finditer(part))  # read lazily: the phrase is short
    first = next((w for w in words if w[0].lower().strip(",") not in _LEADING_ADVERBS), None)
    if first is None:
        return None
    last, previous = None, ""
    for w, at in chain([first], words):
        core = w.strip(",;:.!?")
        lw = core.lower()
        if not core:
            break
        if core[:1].isupper() or core[:1].isdigit():
            last = (w, at)
        elif lw in _DETERMINERS or lw in _QUANTIFIERS:
            if last is not None and not (lw in _DETERMINERS and previous.lower() == "of"):
                break
        elif lw == "of" and last is not None:
            pass
        elif lw in _PERSONAL and at == first[1]:
            last = (w, at)
            break
        elif _is_content(core):
            last = (w, at)
        else:
            break
        if w[-1:] in ",;:" or (w[-1:] == "." and not _abbreviated(core)):
            break
        previous = w
    if last is None:
        return None
    start, end = first[1], last[1] + len(last[0])
    phrase = part[start:end].strip(" ,;:.")
    while phrase.lower().endswith(" of"):
        phrase = phrase[:-3]
    return (phrase, start) if phrase else None
