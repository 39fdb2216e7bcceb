"""The names an article mentions, and whom a pronoun or a role refers to: for attribution.

``_Names`` reads every capitalized run of the masked text once into ``_Mention``s: titles, roles
and trailing honours dropped ("Deputy First Minister John Swinney" -> "John Swinney") except a
title a person is known by ("Prince Andrew", "Sir Mark Rowley", "Duchess of Kent"), days and
months told from names ("May 5", "Theresa May"), organisations and places marked (never "he" or
"she"), the roles and ages the article describes each with, and whether each is the subject of a
verb or of a reporting verb. It then answers attribution's questions: the fullest form of a name
("Locke" -> "Gary Locke", a misspelt "Khoo" -> "Ken Choo"), whom "he", "she", "it" or "they"
refers to at a position, and whom a role ("the spokesman", "the 39-year-old", "the agency", "a
statement") stands for.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import cached_property

from bot.core.text import MONTHS, WEEKDAYS
from models import deadline
from models.quotes.marks import SENTENCE_WINDOW
from models.quotes.words import (
    _ABBREVIATIONS,
    _CLAUSE_WORDS,
    _DETERMINERS,
    _INITIALS,
    _LETTER,
    _LOWER,
    _PERSONAL,
    _PLURAL_TITLE_ABBREVIATIONS,
    _PREPOSITIONS,
    _PRONOUN_KIND,
    _STOPWORDS,
    _TITLE_ABBREVIATIONS,
    _UPPER,
    _VERB_FORMS,
    _WORD_RE,
    _abbreviated,
    _is_content,
    _is_verbish,
    _np_prefix,
)

# --- tuning thresholds -------------------------------------------------------------------------

APPOSITIVE_MAX_WORDS = 25  # "Danczuk, the Labour politician who exposed ..., said" fits in this
CONTINUATION_CHARS = 1500  # an unattributed quote this close to the last one continues its speaker
PRONOUN_LOOKBACK_SENTENCES = 4  # "he said" looks this many sentences back for its subject
PRONOUN_CHAIN = 3  # "It ... It ... It reads:": links followed back to the first "it"
NAME_MAX_TOKENS = 12  # a name is never longer: a longer capitalized run is a headline, its name at the end
FUZZY_MAX_NAMES = 50  # names of one ending and length tried against a misspelt one: articles have a few

# --- names ---------------------------------------------------------------------------------------

_TITLES = _TITLE_ABBREVIATIONS | frozenset(  # "Gov.", "Sgt.", "Sens." and the words written out
    """miss professor sir lady lord dame prince princess king queen duke duchess earl baroness
    baron sister brother father reverend pastor rabbi imam bishop archbishop cardinal pope saint
    general major colonel captain lieutenant sergeant corporal private admiral commander detective
    inspector superintendent constable pc president vice senator representative congressman
    congresswoman governor mayor judge justice chancellor premier sheriff
    ambassador minister secretary deputy chief first officer director chairman chairwoman chair
    ceo cfo coo executive manager coach boss head spokesman spokeswoman spokesperson witness
    agent investigator prosecutor attorney lawyer dj mp mep qc kc obe mbe cbe phd md
    grandmother grandfather leader prime speaker actor actress journalist host anchor columnist
    analyst strategist pollster activist assemblyman assemblywoman councilman councilwoman trainer
    jockey referee skipper striker midfielder defender goalkeeper""".split()
)
# A party before a person's name is a description ("Democrat Elijah Cummings"), not part of it;
# before an organisation it is ("Republican National Committee").
# The parties as written: attribution's party and home ("Republican of Ohio") reads them too.
_PARTY_NAMES = ("Republican", "Democrat", "Democratic", "Independent", "Libertarian", "GOP")
_PARTIES = frozenset(party.lower() for party in _PARTY_NAMES)
_OFFICE_WORDS = frozenset(  # what follows "Secretary of": the office, not the name
    """state defense defence treasury justice health energy commerce labor labour education
    agriculture interior transportation transport homeland security housing veterans affairs
    foreign home war the""".split()
)
_OFFICE_OF = re.compile(rf"\b([{_LETTER}]+)\s+(?:to|for|of|in|at)\s+$")  # "envoy to ", "ambassador to "
_PLURAL_TITLES = _PLURAL_TITLE_ABBREVIATIONS  # "Sens. A and B": a title, no one's role
_HONORIFICS = frozenset("mr mrs ms miss mx dr".split())  # a form of address, not a role
# Titles that are part of how a person is named, kept with the name ("Prince Andrew", "Sir Mark
# Rowley", "Pope Leo", "Duchess of Kent"); every other title is a role, dropped from the name.
_NAME_TITLES = frozenset("prince princess queen king pope sir dame lord lady duke duchess".split())
_ROLE_WORD = re.compile(rf"[{_LETTER}0-9][\w.&'\u2019-]*")
_NOT_APPOSITIVE = re.compile(r"\d|(?:who|which|whose|where|when|said|says|and|but|he|she|they|it)\b")
_QUOTED = re.compile("[\"\u201c\u201d\u2018]|''|x{3,}")  # a role is narration, never quoted words
_RELATIVE = re.compile(r"\s+(?:who|which|that)\s+")  # "a physicist who is co-director ...": "a physicist"
_ROLE_SUFFIXES = (  # the endings of the nouns that name what someone does
    "er",
    "or",
    "ist",
    "ian",
    "ant",
    "ent",
    "man",
    "woman",
    "person",
    "ee",
    "host",
    "official",
    "chief",
    "head",
    "nominee",
    "candidate",
    "leader",
    "aide",
    "expert",
    "envoy",
    "governor",
)


_NOT_ROLE_NOUNS = frozenset(
    """whether after over under other never rather either neither later ever however together
    former latter per better lower higher sooner further another whatever whenever""".split()
)


def _role_noun(word: str) -> bool:
    """A lower-case singular noun for what someone does: "strategist", "spokeswoman", "host"."""
    return (
        word.isalpha()
        and word.islower()
        and len(word) > 3
        and word.endswith(_ROLE_SUFFIXES)
        and word not in _NOT_ROLE_NOUNS
    )


_APPOSITIVE = re.compile(  # ", the former governor of Vermont," / ", a senior fellow at X and ...,"
    rf"\s*,\s*((?:the|a|an|his|her|their|its|[{_LOWER}][\w-]*)\b[^,;:()\"\u201c\u201d]{{2,120}}?)\s*(?:[,;]|\.(?!\d))"
)
_NOT_ROLE = (_STOPWORDS | _PREPOSITIONS | _DETERMINERS | _CLAUSE_WORDS | _PERSONAL) - {"of"}
_TRAILING_TITLES = frozenset("mp mep qc kc jr sr obe mbe cbe phd md".split())
_ORG_WORDS = frozenset(
    """agency administration association army navy bank board bureau centre center church city
    club college command commission committee company corp corporation council court department
    office federation force foundation government group hospital house inc institute league ltd
    ministry museum news organisation organization party police post press school service society
    times trust union united university journal daily network airlines airways stadium park road
    street avenue square hall palace airport station channel radio online magazine media telegraph
    guardian mail express herald tribune gazette review reports report authority authorities fc
    rovers athletic wanderers town county state states republic kingdom nations festival show
    championship cup tour open games olympics plc llc studios records township village convention
    caucus conference congress senate assembly""".split()
)
# The last word of an institution's name that is never a surname (unlike "Church", "Hall", "Park"):
# a name that ends on one is not the fullest form of a person's name inside it.
_INSTITUTION_HEADS = frozenset(
    """institute university foundation company corporation corp association agency ministry
    department council committee commission society college school hospital museum inc ltd plc llc
    bureau federation organisation organization centre center academy laboratory laboratories""".split()
)
_CALENDAR = frozenset(name.lower() for name in WEEKDAYS + MONTHS)
_NAME_MONTHS = frozenset("april may june august".split())  # also names: Theresa May, June Smith
_MONTH_CUES = _PREPOSITIONS | {"last", "next", "this", "early", "late", "mid", "every", "each"}  # "in May"
_CAP_RUN = re.compile(
    rf"(?<![\w'\u2019-])(?:[{_UPPER}][\w'\u2019&.@-]*)"
    r"(?:[ \t\u00a0]+(?:(?:of|van|von|de|der|den|da|di|du|la|le|bin|al|el|y|&)[ \t\u00a0]+)?"
    rf"[{_UPPER}][\w'\u2019&.@-]*)*"
)
_POSSESSIVE_END = re.compile(r"['\u2019]s?$")
_DIGIT_NEXT = re.compile(r"\s*\d")  # "May 5"
# The role a name is described with just after it: "X, the director,".
_ROLE_AFTER = re.compile(r"\s*,\s*(?:the|a|an|his|her|its|their)?\s*([^,.;:]{1,80}?)\s*[,.]")
_LOCATIVE = re.compile(
    r"\b(?:in|at|from|near|across|outside|inside|into|towards?|around|through)\s+(?:the\s+)?$", re.I
)
_DESCRIPTOR_BEFORE = re.compile(rf"\b(?:[Tt]he|[Aa]n?)\s+(?:[{_LOWER}0-9][\w-]*\s+){{0,3}}$")
_AGE_AFTER = re.compile(r"\s*(?:\([a-z ]{1,20}\)\s*)?,\s*(\d{1,3})\s*,")  # "X, 69," "X (left), 14,"
_ORG_NOUNS = frozenset(
    """agency administration company firm club group organisation organization department ministry
    government council police force team party union board authority service network channel
    station newspaper paper magazine website airline carrier bank charity""".split()
)
_DOCUMENT_NOUNS = frozenset(
    "statement letter memo document report note email message affidavit release filing briefing".split()
)
_AUTHOR = re.compile(
    r"\b(?:prepared|written|drawn up|compiled|issued|published|produced|authored|signed)\s+by\s+"
    rf"(?:the\s+)?([{_UPPER}][\w'\u2019&.-]*(?:\s+(?:of\s+)?[{_UPPER}][\w'\u2019&.-]*)*)"
)


@dataclass(slots=True)
class _Mention:
    start: int
    end: int
    tokens: tuple[str, ...]  # the name, titles and descriptors dropped
    org: bool  # an organisation or a place: never the referent of "he" or "she"
    titled: bool  # a personal title or role word came before it: Mr, Dr, Prince, spokesman X
    subject: bool = False  # it is the subject of a verb, perhaps after an appositive
    reporter: bool = False  # ... of a reporting verb: "Jassem, told the group"
    modifier: bool = False  # it modifies a noun: "French Maid outfits", "NASA information"
    age: str | None = None  # "69" from "Pat Ingles, 69,"


_DOTTED_INITIALS = re.compile(rf"(?:[{_UPPER}]\.)+")  # "G.K.", "É."


def _clean_token(tok: str) -> str:
    if not _DOTTED_INITIALS.fullmatch(tok):
        tok = tok.rstrip(".")
    return _POSSESSIVE_END.sub("", tok)


def _is_title(tok: str) -> bool:
    return tok.lower().rstrip(".") in _TITLES


# "Mr. King": King is the name
_HONORIFIC_NAME = re.compile(
    "(?:" + "|".join(sorted(w.capitalize() for w in _HONORIFICS)) + rf")\.?\s+[{_UPPER}]"
)


_HYPHEN_LOWER = re.compile(f"-[{_LOWER}]")  # a hyphen, then a small letter: "Self-styled", "Ex-wife"
_LOWER_WORD = re.compile(rf"(?<![\w'\u2019-])[{_LOWER}][{_LOWER}'\u2019-]*")
_NEXT_LOWER = re.compile(rf"\s+([{_LOWER}][\w-]*)")
_COMMA_LOWER = re.compile(rf"\s*,\s*([{_LOWER}][{_LOWER}'\u2019]*)")
_ROLE_BEFORE = re.compile(rf"([{_LOWER}][{_LOWER}-]*)\s*,?\s*$")
_ROLE_AFTER_WORD = re.compile(rf"[{_LETTER}][\w-]*")


def _name_tokens(raw: list[str]) -> tuple[list[str], bool, bool]:
    """Clean a capitalized run into (name tokens, is_org, had_title), reading its last
    ``NAME_MAX_TOKENS`` tokens once."""
    toks = raw[-NAME_MAX_TOKENS:]
    lo, hi, titled = 0, len(toks), False
    # A word after "Mr." or "Ms." is a surname even when it is also a title: "Mr. King", "Ms. Prince".
    title = [
        _is_title(t) and not (k > 0 and toks[k - 1].lower().rstrip(".") in _HONORIFICS)
        for k, t in enumerate(toks)
    ]

    def names(k: int) -> bool:
        """A title that is part of the name it leads: "Prince Andrew", "Sir Mark Rowley" after a
        role, "Duke of York"; not "First Lady Jill Biden", "Lord Chancellor X", a bare "the Queen",
        nor a surname after a first name or a place ("Peter T. King of New York", "Saudi Prince X")."""
        nxt = toks[k + 1] if k + 1 < len(toks) else None
        if nxt == "of" and k + 2 < len(toks):
            nxt = toks[k + 2]
        return (
            title[k]
            and toks[k].lower() in _NAME_TITLES
            and nxt is not None
            and nxt[:1].isupper()
            and not _is_title(nxt)
            and (
                k == 0
                or (title[k - 1] and toks[k - 1].lower() != "first")
                or bool(_POSSESSIVE_END.search(toks[k - 1]))
            )
        )

    named = [names(k) for k in range(len(toks))]  # read once: the loops below ask again
    # "Scotland's Deputy First Minister John Swinney": keep what follows the last title or role
    # that a name follows (the first word after it that is no title is not "of" or "&")
    follows: str | None = None  # the first token after ``k`` that is not a title
    for k in range(len(toks) - 1, -1, -1):
        if k < len(toks) - 1 and (follows not in (None, "of", "&") or named[k]) and title[k]:
            lo, titled = (k if named[k] else k + 1), True
            break
        if not title[k]:
            follows = toks[k]
    while lo < hi and (
        toks[lo].lower().rstrip(".") in _STOPWORDS
        or (title[lo] and not named[lo])
        or _HYPHEN_LOWER.search(toks[lo])
        or toks[lo] in ("of", "&")
    ):
        titled = titled or title[lo]
        lo += 1
    if titled and lo > 0 and toks[lo - 1] == "of":  # "Secretary of State John Kerry", not "State John Kerry"
        while hi - lo > 2 and toks[lo].lower() in _OFFICE_WORDS:
            lo += 1
    owners = [k for k in range(lo, hi - 1) if _POSSESSIVE_END.search(toks[k])]
    if owners and (owners[-1] == lo or hi - owners[-1] > 2):
        lo = owners[-1] + 1  # "ESPN's Britt McHenry", "Fox News' Sean Hannity"; not "Dave Leip's Atlas"
    rest = toks[lo + 1 : hi]
    if (
        hi - lo >= 3
        and toks[lo].lower() in _PARTIES
        and not any(t.lower().rstrip(".'\u2019s") in _ORG_WORDS for t in rest)
    ):
        lo, titled = lo + 1, True  # "Democrat Elijah Cummings", not "Republican National Committee"
    while hi > lo and (toks[hi - 1].lower().rstrip(".") in _TRAILING_TITLES or toks[hi - 1] in ("of", "&")):
        hi -= 1
    toks = toks[lo:hi]
    org = any(
        t.lower().rstrip(".'\u2019s") in _ORG_WORDS or t.lower().rstrip(".") in _ORG_WORDS for t in toks
    ) or (len(toks) == 1 and len(toks[0]) > 1 and toks[0].rstrip(".'\u2019s").isupper())
    cleaned = [_clean_token(t) for t in toks]
    return [t for t in cleaned if t], org, titled


def _titled_name(tokens: tuple[str, ...]) -> bool:
    """A name led by a title it is known by: "Prince Andrew", "Sir Mark Rowley" (not "Duke of York",
    whose title is not followed by a name)."""
    return len(tokens) >= 2 and tokens[0].lower() in _NAME_TITLES and tokens[1] != "of"


def _near(a: str, b: str) -> bool:
    """Edit distance at most one, for misspelt second mentions ("Khoo" for "Choo")."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1 or min(len(a), len(b)) < 4:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long_ = sorted((a, b), key=len)
    return any(long_[:k] + long_[k + 1 :] == short for k in range(len(long_)))


class _Names:
    """The capitalized names of one article, with salience and resolution helpers."""

    def __init__(self, text: str, masked: str, starts: list[int]) -> None:
        self.text, self.masked, self.starts = text, masked, starts
        self.lower_words = set(_LOWER_WORD.findall(masked))
        self.mentions: list[_Mention] = []
        self.roles: dict[str, list[tuple[int, _Mention]]] = {}  # role word -> (position, mention)
        self._roles_of: dict[str, str | None] = {}  # speaker -> role (role_of), found once
        sentence_starts = set(starts)
        for m in _CAP_RUN.finditer(masked):
            deadline.check()
            at_start = (
                m.start() in sentence_starts
                or not masked[max(0, m.start() - 3) : m.start()].strip(" :")
                or masked[max(0, m.start() - 2) : m.start()].strip() in (":",)
            )
            raw = [(t.group(), m.start() + t.start()) for t in _WORD_RE.finditer(m.group())]
            if (
                at_start
                and raw
                and not _is_title(raw[0][0])
                and ((self._common(raw[0][0]) and not self._name_month(raw)) or raw[0][0].endswith("ing"))
            ):
                raw = raw[1:]  # "The", "Among", "Announcing" opening a sentence; "Judge" is a title
            raw = [(t, p) for k, (t, p) in enumerate(raw) if not self._calendar(raw, k)]
            if not raw or all(self._common(t) for t, _ in raw):
                continue
            for chunk in self._breaks(raw):
                for piece in self._split(chunk):
                    self._add(piece, m.end())
        self._index()
        self.persons = self._person_names()

    def _calendar(self, raw: list[tuple[str, int]], k: int) -> bool:
        """A day or month, not part of a name: "Tuesday", "May 5", "in June Smith", but not
        "Theresa May", "Mrs May" or "June Smith"."""
        tok, pos = raw[k]
        low = tok.lower().rstrip(".")
        if low not in _CALENDAR:
            return False
        if low not in _NAME_MONTHS or _DIGIT_NEXT.match(self.masked, pos + len(tok)):
            return True
        if k == 0:
            if len(raw) < 2 or raw[1][0].lower().rstrip(".") in _CALENDAR or raw[1][0] in ("of", "&"):
                return True
            word = re.search(r"([\w-]+)\W*$", self.masked[max(0, pos - 20) : pos])
            return bool(word) and (word.group(1).lower() in _MONTH_CUES or word.group(1).isdigit())
        before = raw[k - 1][0].lower().rstrip(".")
        return before in _CALENDAR or before in _STOPWORDS

    def _name_month(self, raw: list[tuple[str, int]]) -> bool:
        """The run opens with a month used as a first name: "June Smith"."""
        return raw[0][0].lower() in _NAME_MONTHS and not self._calendar(raw, 0)

    def _common(self, tok: str) -> bool:
        low = tok.lower().rstrip(".")
        return low in _STOPWORDS or low in _CALENDAR or _POSSESSIVE_END.sub("", low) in self.lower_words

    @staticmethod
    def _breaks(raw: list[tuple[str, int]]) -> list[list[tuple[str, int]]]:
        """Cut a run where a sentence or caption ends inside it: "Armenia. Turkey", "Menorca While Pat"."""
        chunks: list[list[tuple[str, int]]] = [[]]
        for k, (tok, pos) in enumerate(raw):
            joins = tok in ("of", "&") and k + 1 < len(raw) and chunks[-1][-1:]
            joined = chunks[-1][-1][0] if joins else ""
            if joined and (joined.lower().rstrip(".") in _ORG_WORDS or _is_title(joined)):
                chunks[-1].append((tok, pos))  # "Bank of England", "Secretary of State John Kerry": one run
                continue
            if chunks[-1] and tok.lower() in _STOPWORDS:
                chunks.append([])
                continue
            chunks[-1].append((tok, pos))
            # ``_ABBREVIATIONS`` (the list ``_abbreviated`` reads: "Gov.", "Det.", "U.S."), an initial
            # or a dotted word does not end a name. A state's abbreviation, which ``_abbreviated``
            # keeps inside a sentence, does: "Del. Stacey Plaskett" (the state is no part of a name).
            bare = tok.rstrip(".").lower()
            if tok.endswith(".") and not (bare in _ABBREVIATIONS or len(bare) == 1 or "." in bare):
                chunks.append([])
        return [c for c in chunks if c]

    @staticmethod
    def _split(raw: list[tuple[str, int]]) -> list[list[tuple[str, int]]]:
        """ "United Nations Samantha Power" -> an organisation, then a person."""
        words = [t.lower().rstrip(".") for t, _ in raw]
        org_at = [k for k, w in enumerate(words) if w in _ORG_WORDS]
        if org_at and len(raw) >= 4 and 2 <= len(raw) - org_at[-1] - 1 <= 3:
            k = org_at[-1] + 1
            if raw[k][0] not in ("of", "&"):
                return [raw[:k], raw[k:]]
        return [raw]

    def _add(self, raw: list[tuple[str, int]], run_end: int) -> None:
        if len(raw) >= 3:
            office = _OFFICE_OF.search(self.masked, max(0, raw[0][1] - 40), raw[0][1])
            if office and (_is_title(office.group(1)) or _role_noun(office.group(1))):
                keep = 3 if _INITIALS.fullmatch(raw[-2][0].rstrip(".")) else 2
                raw = raw[-keep:]  # "special envoy to Ukraine Kurt Volker": the place is not the name
        tokens, org, titled = _name_tokens([t for t, _ in raw])
        if not tokens or (len(tokens) == 1 and self._common(tokens[0]) and not titled):
            return
        start = raw[0][1]
        end = raw[-1][1] + len(raw[-1][0])
        if (
            len(tokens) == 1
            and len(raw) == 1
            and not tokens[0].isupper()
            and _DESCRIPTOR_BEFORE.search(self.masked, max(0, start - 40), start)
        ):
            return  # "the 19-year-old Scot", "the Spaniard": a description, not a name
        mention = _Mention(start, end, tuple(tokens), org, titled)
        age = _AGE_AFTER.match(self.masked, end)
        if age:
            mention.age = age.group(1)
        if _LOCATIVE.search(self.masked, max(0, start - 16), start) or (
            self.mentions
            and self.mentions[-1].org
            and re.fullmatch(r",\s*", self.masked[self.mentions[-1].end : start])
            and _LOCATIVE.search(self.masked, max(0, self.mentions[-1].start - 16), self.mentions[-1].start)
        ):
            mention.org = True  # "in Santa Monica, Los Angeles": a place, never the referent of "he"
        mention.subject, mention.reporter = self._subject_after(end)
        nxt = _NEXT_LOWER.match(self.masked[end : end + 40])
        mention.modifier = bool(nxt and _is_content(nxt.group(1)) and end == run_end)
        self.mentions.append(mention)
        self._register_roles(mention, [t for t, _ in raw])

    def _subject_after(self, end: int) -> tuple[bool, bool]:
        """Is the name ending at ``end`` followed (after appositives) by a verb? A reporting verb?"""
        rest = self.masked[end : end + 600]
        pos, participle = 0, False
        for _ in range(4):
            peek = _COMMA_LOWER.match(rest[pos:])
            if peek and _is_verbish(peek.group(1)):
                if not peek.group(1).endswith("ed"):
                    break  # ", enjoys pole dancing": the verb itself, not an appositive
                participle = True  # ", whipped out his iPad": a verb, or "pictured left": an appositive
            m = re.match(r"\s*(?:\([^)]{0,40}\)\s*)?,([^,.;:?!\"\u201c\u201d]{0,240})(?=,)", rest[pos:])
            if not m or len(m.group(1).split()) > APPOSITIVE_MAX_WORDS:
                break
            words = m.group(1).split()
            if (
                words
                and words[0].lower() not in ("who", "which", "whose")
                and any(_is_verbish(w) and not w.lower().endswith("ed") for w in words[1:])
            ):
                break  # ", the prince got his audience ...": a clause, not an appositive
            pos += m.end()
        nxt = re.match(
            r"\s*,?\s*(?:\([^)]{0,40}\)\s*)?(?:(?:also|then|later|previously|earlier|once|recently|"
            rf"reportedly|allegedly|has|have|had|quickly|immediately|now|still|never)\s+)*([{_LOWER}][{_LOWER}'\u2019]*)",
            rest[pos:],
        )
        if not nxt:
            return participle, False
        word = nxt.group(1)
        return participle or _is_verbish(word), word in _VERB_FORMS

    def _register_roles(self, mention: _Mention, raw: list[str]) -> None:
        """The role nouns the article uses for a name: "spokesman X", "X, the director,", "X, 39,"."""
        # A title kept in the name still describes it: "Prince Andrew" is "the prince".
        words = {t.lower().rstrip(".") for t in raw} - {
            t.lower() for t in mention.tokens if t.lower() not in _NAME_TITLES
        }
        before = _ROLE_BEFORE.search(self.masked[max(0, mention.start - 30) : mention.start])
        if before and before.group(1) not in _STOPWORDS and before.group(1) not in _PREPOSITIONS:
            words.add(before.group(1))
        after = _ROLE_AFTER.match(self.masked, mention.end)
        if after and len(after.group(1).split()) <= 8:
            words.update(w.lower() for w in _ROLE_AFTER_WORD.findall(after.group(1)))
        if mention.age:
            words.add(f"{mention.age}-year-old")
        for w in words - _STOPWORDS:
            self.roles.setdefault(w, []).append((mention.start, mention))

    def role_of(self, speaker: str) -> str | None:
        """The role the article gives ``speaker`` at the first mention that gives one, verbatim:
        the title or description right before the name ("Secretary of State John Kerry", "GOP
        strategist Keith Nahigian"), else an appositive after it ("Michael Kofman, an expert on
        Russia,"). None for a description ("a police spokesman") or when no mention gives one."""
        if speaker not in self._roles_of:
            self._roles_of[speaker] = next(
                (
                    role
                    for m in self.mentions
                    if not m.org and self.fullest(m.tokens) == speaker
                    if (role := self._role_at(m))
                ),
                None,
            )
        return self._roles_of[speaker]

    def _role_at(self, mention: _Mention) -> str | None:
        name_at = self.masked.find(mention.tokens[0], mention.start, mention.end)
        name_at = mention.start if name_at < 0 else name_at
        lo = max(0, name_at - 80, self.starts[self.sentence_of(mention.start)])
        kept: list[tuple[str, int]] = []  # the words right before the name that describe it
        edge = name_at
        for w in reversed(list(_ROLE_WORD.finditer(self.masked, lo, name_at))):
            word, low = w.group(), w.group().lower().rstrip(".")
            gap = self.masked[w.end() : edge].strip()
            if gap or low in _NOT_ROLE or _is_verbish(low) or low.endswith(("ing", "'s", "\u2019s")):
                break
            if low in _PLURAL_TITLES:
                break  # "Sens. Tester and Merkley": a title for several, no one's role
            if word.endswith(".") and not _abbreviated(word[:-1]):
                break  # "The match ended 2-0. Coach Harry Kane": the sentence before ended there
            kept.append((word, w.start()))
            edge = w.start()
        while kept and kept[-1][0] == "of":
            kept.pop()
        if kept and kept[0][0].lower().rstrip(".") not in _HONORIFICS | {"of"}:
            role = self.text[kept[-1][1] : name_at].strip()
            if (_role_noun(kept[0][0]) or any(_is_title(w) for w, _ in kept)) and not _QUOTED.search(role):
                return role
        after = _APPOSITIVE.match(self.masked, mention.end)
        if after is None or _NOT_APPOSITIVE.match(after.group(1)):
            return None
        if after.group().endswith(".") and _abbreviated(after.group(1).split()[-1]):
            return None  # cut at "Mr." or an initial: where it really ends is not known
        role = _RELATIVE.split(after.group(1), maxsplit=1)[0]
        words = role.split()
        head = [w for w in words[:4] if w.lower() not in _DETERMINERS]
        narrated = any(_is_verbish(w.lower()) or w.endswith("ing") for w in words[:4])
        if narrated or _QUOTED.search(role) or not any(_role_noun(w) or _is_title(w) for w in head[:3]):
            return None  # "saying at a church ...", "in an opinion article ...": no description
        return self.text[after.start(1) : after.start(1) + len(role)]

    def _person_names(self) -> set[tuple[str, ...]]:
        """Names with evidence of a person: a title, an age, a first name, a reporting verb."""
        persons: set[tuple[str, ...]] = set()
        for m in self.mentions:
            deadline.check()
            if m.org:
                continue
            if m.titled or m.age or m.reporter or (len(m.tokens) >= 2 and not m.modifier):
                persons.add(self.fullest_tokens(m.tokens))
        return persons

    def only_person_aged(self, age: str) -> str | None:
        """The one person the article gives ``age`` ("Jamie Lee, 14,"), or None if none or more: the
        mentions ``_register_roles`` filed under "14-year-old" (no other role word starts with a digit)."""
        aged = {self.fullest(m.tokens) for _, m in self.roles.get(f"{age}-year-old", ()) if not m.org}
        return aged.pop() if len(aged) == 1 else None

    def is_person(self, mention: _Mention) -> bool:
        return not mention.org and self.fullest_tokens(mention.tokens) in self.persons

    def _index(self) -> None:
        """Counts, first positions and lookup tables for ``fullest_tokens``; built once."""
        self._starts = [m.start for m in self.mentions]
        self._count: dict[tuple[str, ...], int] = {}
        self._first: dict[tuple[str, ...], int] = {}
        self._by_token: dict[str, list[tuple[str, ...]]] = {}
        self._by_initials: dict[str, list[tuple[str, ...]]] = {}
        self._by_tail: dict[tuple[str, int], list[tuple[str, ...]]] = {}  # (ending, length) of the last name
        self._fullest: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._titled: dict[tuple[str, ...], tuple[str, ...]] = {}  # "Mark Rowley" -> "Sir Mark Rowley"
        self._passing: dict[str, list[int]] = {}  # a test's name -> the mentions that pass it
        self._casts: dict[tuple[int, str], tuple[_Mention | None, _Mention | None]] = {}
        self._openings: dict[int, tuple[str, int] | None] = {}
        for m in self.mentions:
            if m.tokens not in self._count:
                self._first[m.tokens] = m.start
                if _titled_name(m.tokens):
                    self._titled.setdefault(m.tokens[1:], m.tokens)
                if 2 <= len(m.tokens) <= 4:
                    for t in set(m.tokens):
                        self._by_token.setdefault(t, []).append(m.tokens)
                    initials = "".join(w[0] for w in m.tokens if w[0].isupper())
                    self._by_initials.setdefault(initials, []).append(m.tokens)
                    last = m.tokens[-1]
                    alike = self._by_tail.setdefault((last[-3:].lower(), len(last)), [])
                    if len(alike) < FUZZY_MAX_NAMES:
                        alike.append(m.tokens)
            self._count[m.tokens] = self._count.get(m.tokens, 0) + 1
        for titled in [t for t in self._titled.values() if len(t) == 2]:  # "Prince Alwaleed" ...
            full = self._fullest_untitled(titled[1:])  # ... after "Alwaleed Bin Talal": one person
            if full != titled[1:] and not _titled_name(full):
                self._titled.setdefault(full, titled[:1] + full)

    def fullest_tokens(self, tokens: tuple[str, ...]) -> tuple[str, ...]:
        """The fullest form of a name in the article: "Locke" -> "Gary Locke", "TSA" -> ...; with
        the title it is known by ("Rowley" -> "Sir Mark Rowley", "Andrew" -> "Prince Andrew",
        "Prince Alwaleed" after "Alwaleed Bin Talal" -> "Prince Alwaleed Bin Talal")."""
        titled = _titled_name(tokens)
        base = self._fullest_untitled(tokens[1:] if titled else tokens)
        if _titled_name(base):
            return base
        return self._titled.get(base, tokens[:1] + base if titled else base)

    def _fullest_untitled(self, tokens: tuple[str, ...]) -> tuple[str, ...]:
        """``fullest_tokens`` before a title is put back: a single word's fullest form."""
        if len(tokens) != 1:
            return tokens
        cached = self._fullest.get(tokens)
        if cached is not None:
            return cached
        tok = tokens[0]
        ranked: list[tuple[int, int, int, tuple[str, ...]]] = []
        for cand in self._by_token.get(tok, ()):
            if cand[-1] != tok and cand[-1].lower().rstrip(".") in _INSTITUTION_HEADS:
                continue  # "Venter" is not "J Craig Venter Institute": a person is no organisation
            if _titled_name(cand) and cand[1:] == tokens:
                continue  # "Prince Alwaleed" is no fuller than "Alwaleed": its title is added below
            ranked.append((3 if cand[-1] == tok else 2, self._count[cand], -self._first[cand], cand))
        if tok.isupper() and len(tok) >= 2:
            for cand in self._by_initials.get(tok, ()):
                ranked.append((2, self._count[cand], -self._first[cand], cand))
        if not ranked and self._count.get(tokens, 0) <= 2:  # "Khoo", a misspelt "Ken Choo"
            for size in (len(tok) - 1, len(tok), len(tok) + 1):  # one edit away: a length at most one off
                for cand in self._by_tail.get((tok[-3:].lower(), size), ()):
                    if _near(tok, cand[-1]):
                        ranked.append((1, self._count[cand], -self._first[cand], cand))
        chosen = max(ranked)[3] if ranked else tokens
        self._fullest[tokens] = chosen
        return chosen

    def fullest(self, tokens: tuple[str, ...]) -> str:
        return " ".join(self.fullest_tokens(tokens))

    def name_of(self, mention: _Mention) -> str:
        """The speaker name for a mention; a known person at the end of a run-on wins."""
        toks = mention.tokens
        if len(toks) >= 3 and self.fullest_tokens(toks) not in self.persons:
            for k in (1, 2):
                tail = self.fullest_tokens(toks[-k:])
                if len(tail) >= 2 and tail in self.persons and tail != toks:
                    return " ".join(tail)
        return self.fullest(toks)

    def sentence_of(self, pos: int) -> int:
        return bisect_right(self.starts, pos) - 1

    def in_range(self, lo: int, hi: int) -> list[_Mention]:
        found = []
        for k in range(bisect_left(self._starts, lo), len(self.mentions)):
            m = self.mentions[k]
            if m.start >= hi:
                break
            if m.end <= hi:
                found.append(m)
        return found

    def last_before(self, pos: int, test: str, wanted: Callable[[_Mention], bool]) -> _Mention | None:
        """The nearest mention before ``pos`` that satisfies ``wanted``, a test named ``test``: the
        mentions that pass are found once per test, then each lookup is a bisection."""
        passing = self._passing.get(test)
        if passing is None:
            passing = self._passing[test] = [k for k, m in enumerate(self.mentions) if wanted(m)]
        k = bisect_left(passing, bisect_left(self._starts, pos)) - 1
        return self.mentions[passing[k]] if k >= 0 else None

    def last_described(
        self, role: str, pos: int, unless: Collection[tuple[str, ...]] = ()
    ) -> _Mention | None:
        """The last mention before ``pos`` that the article described as ``role``, skipping the
        names in ``unless``."""
        described = self.roles.get(role, [])
        for k in range(bisect_left(described, pos, key=lambda entry: entry[0]) - 1, -1, -1):
            mention = described[k][1]
            if self.fullest_tokens(mention.tokens) not in unless:
                return mention
        return None

    def _fits(self, m: _Mention, kind: str) -> bool:
        """Can a pronoun of ``kind`` ("person", "org" or "any") refer to ``m``?"""
        if kind == "person":
            return self.is_person(m)
        if kind == "org":
            return m.org or m.tokens[0].isupper()
        return m.org or self.is_person(m)

    def _cast(self, k: int, kind: str) -> tuple[_Mention | None, _Mention | None]:
        """Sentence ``k``'s last reporter (else last subject) and first mention that a pronoun of
        ``kind`` can refer to; read once per sentence and kind."""
        key = (k, kind)
        if key not in self._casts:
            inside = [m for m in self.in_range(self.starts[k], self.starts[k + 1]) if self._fits(m, kind)]
            reporters = [m for m in inside if m.reporter]
            subjects = [m for m in inside if m.subject]
            told = reporters[-1] if reporters else subjects[-1] if subjects else None
            self._casts[key] = (told, inside[0] if inside else None)
        return self._casts[key]

    def _opening_phrase(self, k: int) -> tuple[str, int] | None:
        """The noun phrase sentence ``k`` opens with, found once."""
        if k not in self._openings:
            self._openings[k] = _np_prefix(self.masked[self.starts[k] : self.starts[k + 1]])
        return self._openings[k]

    def resolve_pronoun(
        self, pronoun: str, pos: int, speakers: list[tuple[int, str]], chain: int = 0
    ) -> str | None:
        """The referent of "he", "she", "it", "they" at ``pos``. A sentence before it that opens
        with the same pronoun ("It also states ... It reads:") has the same referent: that one is
        resolved instead, up to ``PRONOUN_CHAIN`` links back."""
        kind = _PRONOUN_KIND.get(pronoun.lower(), "any")
        s = self.sentence_of(pos)
        lo = max(self.starts[s], pos - SENTENCE_WINDOW)
        same = [m for m in self.in_range(lo, pos) if self._fits(m, kind)]
        if same:
            subjects = [m for m in same if m.subject]
            return self.name_of(subjects[0] if subjects else same[-1])
        for k in range(s - 1, max(-1, s - 1 - PRONOUN_LOOKBACK_SENTENCES), -1):
            said = _said_between(speakers, self.starts[k], self.starts[k + 1])
            if said:
                return said
            opener = _OPENING_PRONOUN.match(self.masked, self.starts[k])
            if opener and opener.group(1).lower() == pronoun.lower() and chain < PRONOUN_CHAIN:
                return self.resolve_pronoun(pronoun, opener.start(1), speakers, chain + 1)
            told, first = self._cast(k, kind)
            if told:
                return self.name_of(told)
            if kind != "org":
                subj = self._opening_phrase(k)
                if (
                    subj
                    and subj[0].split()[0].lower() in ("the", "this")
                    and _head(subj[0]) not in _ORG_NOUNS
                ):
                    role = self.resolve_role(subj[0], self.starts[k] + subj[1], speakers)
                    if role:
                        return role
            if k == s - 1 and first:
                return self.name_of(first)
        before = self.last_before(pos, f"fits {kind}", lambda m: self._fits(m, kind))
        if before:
            return self.name_of(before)
        return speakers[-1][1] if speakers else None

    @cached_property
    def _author(self) -> re.Match[str] | None:
        """Who the article says wrote its document ("a memo prepared by X"), searched for once."""
        return _AUTHOR.search(self.masked)

    def resolve_role(self, phrase: str, pos: int, speakers: list[tuple[int, str]]) -> str | None:
        """ "the spokesman", "the 39-year-old", "the agency", "a statement" -> a name."""
        head = _head(phrase)
        if head in _DOCUMENT_NOUNS:
            author = self._author
            if author:
                found = self.in_range(author.start(1), author.end(1))
                return self.name_of(found[0]) if found else author.group(1)
        if head in _DOCUMENT_NOUNS or head in _ORG_NOUNS:
            recent = speakers and pos - speakers[-1][0] < CONTINUATION_CHARS
            if recent and (head in _DOCUMENT_NOUNS or tuple(speakers[-1][1].split()) not in self.persons):
                return speakers[-1][1]  # "the agency" is not the passenger quoted just before

            def named_org(m: _Mention) -> bool:
                return m.org and not _LOCATIVE.search(self.masked, max(0, m.start - 16), m.start)

            def called(m: _Mention) -> bool:  # "the council" after "Wandsworth Council"
                return named_org(m) and head in (t.lower() for t in m.tokens)

            org = (
                self.last_before(pos, f"called {head}", called)
                or self.last_before(pos, "subject org", lambda m: named_org(m) and m.subject)
                or self.last_before(pos, "org", named_org)
            )
            return self.name_of(org) if org else None
        registered = self.last_described(head, pos)
        if registered:
            return self.name_of(registered)
        person = self.last_before(
            pos,
            "salient person",
            lambda m: self.is_person(m) and bool(m.subject or m.titled or m.reporter or m.age),
        ) or self.last_before(pos, "person", self.is_person)
        return self.name_of(person) if person else None


# A sentence that opens with a pronoun as its subject ("It also states", "He then said"); not
# the "it" of "It is clear that", "It was", which may point at nothing.
_OPENING_PRONOUN = re.compile(
    r"\s*(?:[Bb]ut\s+|[Aa]nd\s+)?([Hh]e|[Ss]he|[Ii]t)\b(?!\s+(?:is|was|'s|\u2019s)\b)"
)


def _said_between(speakers: list[tuple[int, str]], lo: int, hi: int) -> str | None:
    """The last speaker quoted in ``[lo, hi)``; ``speakers`` is in text order."""
    k = bisect_left(speakers, hi, key=lambda said: said[0]) - 1
    return speakers[k][1] if k >= 0 and speakers[k][0] >= lo else None


def _head(phrase: str) -> str:
    words = re.findall(r"[\w-]+", phrase.lower())
    return words[-1] if words else ""
