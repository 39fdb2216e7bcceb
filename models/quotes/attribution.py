"""Attribution (pass 4 of ``models.quotes``): who said each quote, with which verb, how surely.

A reporting clause is read right after the closing mark (``_after_attribution``: "he said", "said
Locke", "according to X") or before the opening mark (``_before_attribution``: "He said: '",
"NASA said Tuesday that ... had '"), on the masked text. ``_speaker`` turns its subject phrase
into the fullest name the article uses, through ``_Names``, or keeps a description never tied to
a name. A quote with no clause of its own continues the previous speaker or goes to the subject of
a nearby sentence (``_continuation``). ``_confidence`` says how the speaker was found (the
``*_CONFIDENCE`` constants).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from models.quotes.marks import _MARK_CHARS, SENTENCE_WINDOW, _Span
from models.quotes.names import (
    _CALENDAR,
    _CAP_RUN,
    _DOCUMENT_NOUNS,
    _HONORIFIC_NAME,
    _LOCATIVE,
    _ORG_NOUNS,
    _PARTY_NAMES,
    _TITLES,
    CONTINUATION_CHARS,
    _clean_token,
    _head,
    _is_title,
    _Names,
)
from models.quotes.words import (
    _ACCORDING,
    _CLAUSE_WORDS,
    _DETERMINERS,
    _ED_NOUNS,
    _LETTER,
    _LOWER,
    _PERSONAL,
    _PREPOSITIONS,
    _QUANTIFIERS,
    _UPPER,
    _VERB_RE,
    _abbreviated,
    _is_verbish,
    _np_prefix,
    _np_suffix,
)

# --- tuning thresholds -------------------------------------------------------------------------

AFTER_WINDOW = 200  # chars after a closing mark searched for "he said": attributions are short
SUBJECT_MAX_WORDS = 12  # a subject phrase longer than this is narration, not "X, the spokesman,"

# --- attribution ---------------------------------------------------------------------------------

# A capitalised word, as a regex fragment: "Kerry", "Sen.", "O'Neill", "Åsberg".
_CAP_WORD = rf"[{_UPPER}][\w.'\u2019-]*"
_CAPITAL = re.compile(f"[{_UPPER}]")  # a capital anywhere: "É" as well as "E"
_SPACED_CAPITAL = re.compile(rf"\s+[{_UPPER}]")
_TELL_OBJECT = re.compile(
    r"\s+(?:(?:me|him|her|us|them|you|reporters|journalists|police|officers|friends)\b"
    r"|the (?:court|jury|newspaper|paper|magazine|station|website|programme|program|show|BBC)\b"
    rf"|(?:[Tt]he\s+)?[{_UPPER}][\w'\u2019.&-]*(?:\s+(?:of\s+)?[{_UPPER}][\w'\u2019.&-]*)*)"
)
_ADVERBS = re.compile(
    r"(?:\s+(?:also|then|later|previously|earlier|once|recently|reportedly|allegedly|simply|just|"
    r"quickly|patiently|angrily|calmly|finally|now|today|yesterday|can\s+(?:be|he)\s+heard|"
    r"(?!(?:family|rally|ally|belly|bully|jelly|assembly|supply|italy|sicily|emily|kelly|holly|"
    r"lily|molly|polly|sally|billy|dolly|reilly|daly|kiely|bradley|ely)\b)[a-z]{3,}ly))+\s*$"
)
_INTRO = re.compile(
    r"^(?:and|but|so|then|now|finally|meanwhile|however|also|yet|later|earlier|today|yesterday|"
    r"in|on|at|after|before|when|while|as|among|amid|speaking|asked|quoting|writing|since|during|"
    r"though|although|if|once|last|this|of course|for|with|without|despite|like|unlike|instead|"
    r"here|there|indeed|still|sadly|thankfully|fortunately|unfortunately|overall|again|then)\b",
    re.I,
)
_PARTICIPLE_INTRO = re.compile(r"^[A-Z]?[a-z]+ing\s+\S")  # "Announcing the deal, ..."
_CAPTION_WORDS = frozenset("left right centre center pictured above below top bottom inset".split())


@dataclass(frozen=True, slots=True)
class _Attribution:
    subject: str  # the raw subject phrase: "he", "Cardiff CEO Ken Choo", "a police spokesman"
    verb: str | None
    pos: int  # where the subject phrase sits in the text
    clause_end: int  # end of the attribution clause
    tight: bool = False  # the verb sits right before the opening mark: "He said: '"
    sure: bool = True  # False: a name before a colon inside narration, which may be who is addressed


def _verb_phrase(source: str, m: re.Match[str]) -> str:
    """The verb as reported, with the object of "told": "told CNN", "told the New York Post"."""
    verb = m.group()
    if verb.split()[-1] in ("told", "tells", "telling"):
        obj = _TELL_OBJECT.match(source, m.end())
        if obj:
            verb += obj.group().rstrip(".")
    return re.sub(r"\s+", " ", verb)


def _role_only(part: str) -> bool:
    words = re.findall(r"[\w'-]+", part.lower())
    return bool(words) and all(
        w in _TITLES or w in _CAPTION_WORDS or w in ("and", "of", "the") for w in words
    )


def _subject_phrase(left: str) -> tuple[str, int] | None:
    """The subject of a verb, given the sentence up to it: (phrase, offset into ``left``). Quoted
    words never belong to it: 'Clinton supports “...” and recalled' is Clinton's."""
    found = _subject_phrase_with_quotes(left)
    if found is None:
        return None
    phrase, at = found
    colon = phrase.rfind(": ")
    if colon > 0 and re.search(r"\w", phrase[colon:]):  # "Editor's Note: An article ..."
        phrase, at = phrase[colon + 2 :], at + colon + 2
    closed = phrase.rfind(") ")
    if closed >= 0 and _CAPITAL.match(phrase[closed + 2 :]):  # "(pictured, a fighter ...) The panel"
        phrase, at = phrase[closed + 2 :], at + closed + 2
    quoted = list(_QUOTED_WORDS.finditer(phrase))
    if not quoted:
        return phrase, at
    after = len(phrase) - len(phrase[quoted[-1].end() :].lstrip(" ,"))  # past the last quote
    if _CAPITAL.search(phrase[after:]):  # 'Mills “...,” Jordan said': after the quote
        return phrase[after:], at + after
    if _CAPITAL.search(phrase[: quoted[0].start()]):  # 'Clinton supports “...” and recalled'
        return phrase[: quoted[0].start()].rstrip(" ,"), at
    return phrase, at


def _subject_phrase_with_quotes(left: str) -> tuple[str, int] | None:
    left = _ADVERBS.sub("", left)
    set_off = left.rstrip().endswith(",")  # a comma between the last piece and the verb
    left = left.rstrip(" ,;:\u2014\u2013-")
    parts: list[tuple[int, str]] = []
    pos = 0
    for piece in left.split(","):
        parts.append((pos, piece))
        pos += len(piece) + 1
    last = len(parts) - 1
    tail_word = re.search(r"(\w+)\W*$", parts[last][1])
    if tail_word and tail_word.group(1).lower() in _PERSONAL:
        return tail_word.group(1), parts[last][0] + tail_word.start(1)
    for j in range(1, last):  # "Seaman, who lives outside the capital, Sacramento, said": all his
        words = parts[j][1].split()
        if len(words) > 1 and words[0].lower() in ("who", "whose") and _ends_with_name(parts[j - 1][1]):
            last = j - 1
            break
    k, relative = last, False
    while k >= 0:
        off, piece = parts[k]
        st = piece.strip()
        lead = off + len(piece) - len(piece.lstrip())
        if not st:
            k -= 1
            continue
        first = st.split()[0].lower()
        if first in ("who", "which", "whose"):
            relative = relative or len(st.split()) == 1
            k -= 1
            continue
        if k > 0 and parts[k - 1][1].strip() and _role_only(parts[k - 1][1]):
            k -= 2  # "Mark Diffley, Director, Ipsos MORI Scotland said"
            continue
        if (
            k > 0
            and (_role_only(st) or re.fullmatch(r"\d{1,3}", st))
            and not _INTRO.match(parts[k - 1][1].strip())
            and _ends_with_name(parts[k - 1][1])
        ):
            k -= 1  # ", 85," ", left,"; but "In Leeds on Monday, the mayor said"
            continue
        previous = parts[k - 1][1].strip() if k > 0 else ""
        if previous and re.fullmatch(r"(?:and|but|yet|then)(?:\s+(?:then|now|also|later))?", st):
            # "Thomas Massie used to back Rand Paul, but now said": the first clause's subject
            off, piece = parts[k - 1]
            return _shift(_np_prefix(piece), off)
        if previous and _trailing_appositive(st, previous, opens=k == 1, closed=k < last or set_off):
            k -= 1  # ", R-Ky.,", ", Republican of Ohio,", "from Macon, Georgia,"
            continue
        if (
            previous
            and (not _INTRO.match(previous) or _AS_NAME.match(previous))
            and first not in _PERSONAL
            and (
                (
                    st[0].islower()
                    and first not in ("the", "a", "an")
                    and not _PARTICLE_NAME.match(st)
                    and not _AS_NAME.match(st)
                )
                or (
                    (first in ("the", "a", "an") or _possessive_role(st))
                    and (_ends_with_name(previous) or re.fullmatch(r"\d{1,3}", previous))
                )
            )
        ):
            k -= 1  # "Simon Danczuk, the Labour politician who ..., said", "Peskov, Putin's spokesman, said"
            continue
        if (
            (_INTRO.match(st) or _PARTICIPLE_INTRO.match(st))
            and k < last
            and not relative
            and not _AS_NAME.match(st)
        ):
            return None
        words = st.split()
        if words[-1].lower() in ("and", "but"):
            return _shift(_np_prefix(st), lead)
        if relative:
            runs = list(_CAP_RUN.finditer(st))
            return (runs[-1].group(), lead + runs[-1].start()) if runs else None
        busy = any(
            _is_verbish(w)
            or w.lower().strip(",.") in _CLAUSE_WORDS
            or re.fullmatch(r"[A-Za-z][a-z]{3,}ing", w)
            for w in words
        )
        if not busy and len(words) <= SUBJECT_MAX_WORDS and not _INTRO.match(st):
            return st, lead
        found = _np_suffix(st)
        ahead = re.search(r"(\w+)\s*$", st[: found[1]]) if found else None
        joins = _PREPOSITIONS - {"by"} | {"and"}  # "... of the Department for Communities and | Local ..."
        lead_np = _np_prefix(st) if ahead and ahead.group(1).lower() in joins else None
        lead_words = lead_np[0].split() if lead_np else []
        if (
            lead_words[1:]
            and lead_words[0].lower() in _DETERMINERS | _QUANTIFIERS
            and lead_words[1].islower()
        ):
            found = lead_np  # "The man held in London said": not London ("prepared by X" is X)
        return _shift(found, lead)
    return None


# "as Tom Ridge, a former secretary, put it": a name after "as" or "like" is a subject.
_AS_NAME = re.compile(
    rf"(?:[Aa]s|[Ll]ike|[Bb]ut|[Aa]nd|[Yy]et)\s+(?:{_CAP_WORD}\s+){{0,4}}[{_UPPER}][\w'\u2019-]*"
    r"(?:\s*\([^()]{1,20}\))?$"
)  # "But Sen. Richard Durbin (D-Ill.), noting ..., said"
# A surname with a lower-case particle: "de Blasio", "van Hollen", "al-Assad" is not narration.
_PARTICLE_NAME = re.compile(
    rf"(?:de|del|della|der|van|von|da|di|du|le|la|al|el|bin|ibn|ter|ten)\s+[{_UPPER}]"
)
# What may follow a name after a comma and still be about the name, not a new subject: a party
# and state tag ("R-Ky.", "D-N.Y."), a party and home ("Republican of Ohio", "Democrat from
# Texas"), or the rest of a place ("from Macon, Georgia", "in Allentown, Pa.").
_PARTY_TAG = re.compile(rf"\(?[RDI]-[{_UPPER}][\w.]*(?:\s[{_UPPER}][\w.]*)?\)?")
_PARTY_HOME = re.compile("(?:" + "|".join(_PARTY_NAMES) + rf")\s+(?:of|from)\s+[{_UPPER}]")
_PLACE_END = re.compile(
    rf"(?:\S\s+(?:of|from|in|at|near)|^(?:of|from))\s+(?:{_CAP_WORD}\s*){{1,3}}$"
)  # "a nurse in Allentown", "of Raleigh": a place begun after a name, not "In Washington"
_PLACE_REST = re.compile(rf"(?:{_CAP_WORD})(?:\s+{_CAP_WORD}){{0,2}}")
_LAST_CAPITALISED = re.compile(rf"([{_UPPER}][\w'\u2019-]*)\W*$")
_ENDS_CAPITALISED = re.compile(rf"{_CAP_WORD}\W*$")


def _ends_with_name(piece: str) -> bool:
    """Does ``piece`` end with a capitalised word that may close a name (not "Monday", "May 5")?"""
    last = _LAST_CAPITALISED.search(piece)
    return last is not None and last.group(1).lower() not in _CALENDAR


def _trailing_appositive(piece: str, previous: str, *, opens: bool, closed: bool) -> bool:
    """Is ``piece``, set off by a comma after ``previous``, part of a description of the name
    before it rather than the subject: a party tag, a party and home, or the rest of a place
    that ``previous`` began ("a farmer from Macon" + "Georgia", "now retired in Cambridge" +
    "Mass.")? ``opens``: ``previous`` opens the sentence, where "In Washington" is no description;
    ``closed``: a comma follows ``piece`` too, as it does the rest of a place ("Macon, Georgia,
    says"), not a subject ("in Philadelphia, Canova wrote")."""
    if _PARTY_TAG.fullmatch(piece) or _PARTY_HOME.match(piece):
        return _ENDS_CAPITALISED.search(previous) is not None
    return (
        closed
        and _PLACE_REST.fullmatch(piece) is not None
        and not (opens and _INTRO.match(previous))
        and _PLACE_END.search(previous) is not None
    )


_POSSESSIVE_LEAD = re.compile(rf"[{_UPPER}][\w.&-]*(?:\s+[{_UPPER}][\w.&-]*)*['\u2019]s?\s+(?=[{_LOWER}])")


def _possessive_role(piece: str) -> bool:
    """A description owned by a name, with no verb: "Putin's spokesman", "Britain's top diplomat"."""
    lead = _POSSESSIVE_LEAD.match(piece)
    return bool(lead) and not any(_is_verbish(w) for w in piece[lead.end() :].split())


def _participle_subject(left: str) -> tuple[str, int] | None:
    """The subject a trailing participle ("..., saying: '") hangs on: that of the clause before it.
    When that clause's piece opens with its verb ("Ann Lee, the director, called for it, saying"),
    the subject and its appositives come before it, read by ``_subject_phrase``."""
    offsets, pos = [], 0
    for piece in left.split(","):
        offsets.append((pos, piece))
        pos += len(piece) + 1
    for off, piece in reversed(offsets):
        closed = list(_CLOSED_QUOTE.finditer(piece))
        lead = closed[-1].end() if closed else len(piece) - len(piece.lstrip(_MARK_CHARS + " \t\n"))
        st = piece[lead:].strip()
        if not st:
            continue
        first = st.split()[0].lower()
        if _INTRO.match(st) or first in ("who", "which", "whose"):
            continue
        if _is_verbish(first):
            if off == 0:
                continue
            return _subject_phrase(left[: off - 1])  # "Petrilli, president of X, tied ..., saying"
        found = _np_prefix(piece[lead:])
        if found:
            return found[0], off + lead + found[1]
    return None


def _shift(found: tuple[str, int] | None, by: int) -> tuple[str, int] | None:
    return (found[0], found[1] + by) if found else None


# Quoted words, masked to x's, or a double quotation mark: never part of a speaker's name.
_QUOTED_WORDS = re.compile("[\"\u201c\u201d]|''|(?<!\\w)x{2,}(?!\\w)")


def _valid_subject(phrase: str) -> bool:
    phrase = phrase.strip(" " + _MARK_CHARS)  # '” Rubio': a mark left at the edge
    words = phrase.split()
    if not words or len(words) > SUBJECT_MAX_WORDS or _QUOTED_WORDS.search(phrase):
        return False  # a speaker is never quoted words: 'a “xxxxx xxxxxx”', "xxxx'' Mr. King"
    first = words[0].lower()
    if first in _PERSONAL:
        return True
    if first in _PREPOSITIONS or first in _CLAUSE_WORDS:
        return False
    return bool(_CAPITAL.search(phrase)) or first in _DETERMINERS or first in _QUANTIFIERS


# "Secretary" + " of State John Kerry": the office and the name after a title
_TITLE_OF = re.compile(rf"\s+of\s+(?:{_CAP_WORD}\s+)*{_CAP_WORD}")
_DESCRIBED_AFTER = re.compile(
    rf"\s*((?:the|a|an|one|another|some|several|two|three)\s+[{_LOWER}0-9][^,]*?)"
    r"(?=\s+(?:while|who|as|after|before|when|in|on|at|from|during|outside|to)\b|,|$)"
)  # an inverted attribution to a description with no name: ",' tweeted the company."


# A credit line: a dash, then a name and nothing else up to a comma or the line end.
_DASH_CREDIT = re.compile(
    r"[ \t]*(?:\n\s*)?[\u2015\u2014\u2013-]{1,2}[ \t]*"
    rf"((?:{_CAP_WORD}[ \t]+){{0,4}}{_CAP_WORD})[ \t]*(?=,|\n|$)"
)
# A masked quotation's closing mark and the subject of a new clause after it: '“xxxx,” Lee added'
_CLOSED_QUOTE = re.compile(f"x[\"\u201d\u2019']+\\s+(?=[{_UPPER}]|(?:he|she|they)\\b)")
_MARKS_AFTER = re.compile("(?: ?[" + _MARK_CHARS + "])*")  # "please,' ” Nicklaus": nested closes
_NEW_SENTENCE = re.compile(r"(?:However|But|Meanwhile|Yet|Still|Instead|And|So|Now|Then)\b")
_CLAUSE_STOP = re.compile(  # not the apostrophe of "Sanders' campaign manager"
    rf"[.?!;:](?=\s|$)|(?<!\w)['\u2019]|(?<![sS])['\u2019](?!\w)|(?<=[sS])['\u2019](?!\w)(?!\s+[{_LETTER}])"
    r"|[\"\u2018\u201c\u201d]"
)
_ABBREVIATED = re.compile(rf"(?:^|[\s(])([{_LETTER}][{_LETTER}.]*)$")


def _clause_stop(clause: str) -> int:
    """Where an attribution clause ends: at a sentence stop or a quotation mark, but not at the
    full stop of an abbreviation ("Mr. King", "Sen. Ted Cruz (R-Texas)") or an initial ("John F.
    Kennedy")."""
    for stop in _CLAUSE_STOP.finditer(clause):
        if stop.group() == ".":
            word = _ABBREVIATED.search(clause, 0, stop.start())
            abbreviation = word.group(1) if word else ""
            if _abbreviated(abbreviation):  # "Mr. King", "John F. Kennedy", "Cambridge, Mass., said"
                continue
        return stop.start()
    return len(clause)


# After an unpunctuated quote, a subject that is a name, perhaps with a title or a description
# set off by commas: "Grubbs", "Jeff Weaver, the campaign manager,", "Sen. Mitch McConnell, R-Ky.,"
_NAMED_SUBJECT = re.compile(rf"(?:{_CAP_WORD}\s+){{0,4}}{_CAP_WORD}\s*,?$")
# A reporting clause with a verb the list does not know, right after a quote that ends with a
# comma or a question mark: '"...," an angry Hollande retaliated.', '"...," Kelly charged in ...'.
_ANY_VERB = re.compile(
    r"(?:(?:[Aa]n?|[Tt]he)\s+[a-z]+\s+)?"  # "an angry": not part of the name
    rf"((?:{_CAP_WORD}\s+){{0,3}}(?:{_CAP_WORD}|he|she|they))\s+([a-z]{{3,}}ed)"
    r"(?=\s*$|\s+(?:in|at|to|with|as|on|from|before|after|during|while|and|when)\b|\s+[a-z]+ly\b"
    rf"|\s+[{_UPPER}][\w'\u2019-]+\s*(?:[,.]|$))"  # "... Trump assured Jones, after ..."
)


def _any_verb_attribution(clause: str, begin: int) -> _Attribution | None:
    """'"...," Hollande retaliated.' / '"...," Kelly charged in her assault.': a name (or he/she)
    and one past-tense verb that the reporting verbs do not list, ending the clause."""
    m = _ANY_VERB.match(clause)
    if m is None or m.group(2) in _ED_NOUNS or not _valid_subject(m.group(1)):
        return None
    return _Attribution(m.group(1), m.group(2), begin + m.start(1), begin + len(clause))


# An appositive or a relative clause set off by commas after a name: part of the subject, not a
# new clause ("Warren, who ..., told", "Kaplan, a writer and former executive, said").
_SET_OFF = re.compile(r",.*,", re.S)
# A name, then a description of its bearer set off by commas: "Makrus Åsberg, a 25-year-old officer
# ..., told"; "Mr. Kaplan, a screenwriter, said". Not "Cardiff CEO, Ken Choo, said".
_NAME_THEN_DESCRIPTION = re.compile(
    rf"((?:(?:Mr|Mrs|Ms|Dr|Prof)\.?\s+)?[{_UPPER}][\w'\u2019-]+(?:\s+{_CAP_WORD}){{1,3}})"
    r",\s+(?:a|an|the|who|whose|now|aged|\d{1,3}|one|another)\b[^,]*(?:,[^,]*)*,\s*$"
)


def _after_attribution(text: str, masked: str, span: _Span) -> _Attribution | None:
    """ ",' he said." / ",' said Locke while ..." / ",' according to Claire Putnam, ..."."""
    if not span.closed:
        return None
    at = _MARKS_AFTER.match(masked, span.end + 1).end()
    window = masked[at : at + AFTER_WINDOW]
    credit = _DASH_CREDIT.match(window)
    if credit:  # '" ― Krystal Correa' / '"\n\n-President Obama, tweeting after ...'
        return _Attribution(credit.group(1), None, at + credit.start(1), at + credit.end(1))
    lead = re.match(r"\s*[,\u2014\u2013-]?\s*", window)
    body = lead.end() if lead else 0
    if "\n" in window[:body]:
        return None  # the next paragraph is not this quote's attribution
    clause_all = window[body:]
    if not clause_all or not (clause_all[0].isalpha() or clause_all[0].isdigit()):
        return None
    ending = text[span.start : span.end].rstrip(" " + _MARK_CHARS)[-1:]  # "please,'": the comma
    lower_start = clause_all[0].islower()
    if ending == "." and not lower_start:
        return None  # "'... preferred.' Cardiff City Supporters Club Chairman Clive Francis said, '"
    # No comma inside the marks ('"... a battle of niches" Grubbs said.'): only a clause that is
    # plainly "X said" or "said X" is its attribution; a caption or a new sentence may follow.
    bare = ending not in ",?!\u2014\u2013-\u2026." and not lower_start
    if _NEW_SENTENCE.match(clause_all):
        return None  # "'... I was like, "Wow!"' However, surgeon Dr. Norman Rowe told the Post ..."
    stop = _clause_stop(clause_all)
    clause = clause_all[:stop]
    begin = at + body
    acc = _ACCORDING.match(clause)
    if acc:
        np = re.match(r"\s*([^,]+)", clause[acc.end() :])
        if np:
            return _Attribution(
                np.group(1).strip(), "according to", begin + acc.end() + np.start(1), begin + len(clause)
            )
    verb = _VERB_RE.search(clause)
    if not verb:
        return None if bare else _any_verb_attribution(clause, begin)
    before = clause[: verb.start()].strip()
    if before:  # "he said", "Cardiff CEO Ken Choo said in a statement"
        # Read without what is set off by commas: "Warren, who has not endorsed anyone, told",
        # "Mr. Kaplan, a screenwriter and former studio executive, said"
        plain = _SET_OFF.sub(",", before)
        if not _valid_subject(plain) or re.search(r"\b(?:that|and|but|who|which|because)\b", plain):
            return None
        if bare and not (plain.lower() in _PERSONAL or _NAMED_SUBJECT.match(plain)):
            return None  # '"Fire and Fury" The book ...': not "X said"
        rest = clause[verb.end() :]
        if re.match(
            r"\s+(?:that|it|he|she|they|we|the|a|an|his|her|their)\b", rest
        ) and not verb.group().startswith(("told", "tell", "ask")):
            return None  # "Julia said she ...": reported speech; "she asked the jury" is not
        named = _NAME_THEN_DESCRIPTION.match(clause, 0, verb.start())
        if named is not None and not _role_only(named.group(1)):
            # "Makrus Åsberg, a 25-year-old officer with the police in Uppsala, Sweden, told": the
            # name before the description, never a place at its end
            found: tuple[str, int] | None = (named.group(1), 0)
        else:
            found = _subject_phrase(clause[: verb.start()])
        if found is None:
            return None
        return _Attribution(found[0], _verb_phrase(clause, verb), begin + found[1], begin + len(clause))
    # "said Locke while ...", "added Evelyn Mazzocco, General Manager ...", "said Myer ..., Daniel Bracken."
    if verb.group().split()[-1] in ("told", "tells"):
        return None
    return _inverted(clause, verb, begin)


# The subject after an inverted verb, up to a comma or what ends it: "Locke", "Secretary of State
# John Kerry", "another lawyer"; and a name set off by a comma after it: "said a friend, Bo Li".
_INVERTED_SUBJECT = re.compile(
    rf"\s*((?:[{_LOWER}][\w-]*\s+){{0,3}}[{_UPPER}0-9][^,]*?)"
    r"(?=\s+(?:while|who|as|after|before|when|in|on|at|of|from|during|outside|to)\b|,|$)"
)
_NAMED_AFTER_COMMA = re.compile(
    rf"\s*,\s*({_CAP_WORD}(?:\s+{_CAP_WORD}){{1,3}})"
    r"(?=\s*(?:,|$)|\s+(?:of|from|at|who)\b)"
)


def _inverted(clause: str, verb: re.Match[str], begin: int) -> _Attribution | None:
    """The subject after its verb: "said Locke while ...", "said Secretary of State John Kerry",
    "said another lawyer, Ann Pike of the firm"; ``begin`` is where ``clause`` sits in the text."""
    after_verb = clause[verb.end() :]
    np = _INVERTED_SUBJECT.match(after_verb)
    if np and not _valid_subject(np.group(1)):
        np = None
    np = np or _DESCRIBED_AFTER.match(after_verb)  # "wrote the user", "said a spokesman for the police"
    if not np:
        return None
    phrase, phrase_end = np.group(1).strip(), np.end()
    office = _TITLE_OF.match(after_verb, phrase_end) if _is_title(phrase.split()[-1]) else None
    if office:  # "said Secretary of State John Kerry"
        phrase, phrase_end = after_verb[np.start(1) : office.end()].strip(), office.end()
    named = _NAMED_AFTER_COMMA.match(after_verb[phrase_end:])
    offset = verb.end() + np.start(1)
    described = phrase.split()[0].lower() in _DETERMINERS | _QUANTIFIERS
    if named and (described or any(_is_title(t) for t in phrase.split())):
        # "said Myer Chief Merchandise Officer, Daniel Bracken", "said a friend, Bo Li"
        phrase = named.group(1)
        offset = verb.end() + phrase_end + named.start(1)
    return _Attribution(phrase, _verb_phrase(clause, verb), begin + offset, begin + len(clause))


# "tweets early Friday saying": a participle with no comma after a clause of its own verb; its
# subject is the clause's ("Trump unleashed tweets ... saying"), not the noun right before it.
_NOUN_THEN_PARTICIPLE = re.compile(rf"\W*{_CAP_WORD}(?:\s+{_CAP_WORD})*\s+[a-z]+ed\b[^,]*$")
# A "verb" followed by an auxiliary is a noun ("that states can pass such laws", "reports have").
_SUBJECT_NOUN = re.compile(
    r"\s+(?:can|could|will|would|must|should|may|might|shall|have|had|are|were|do|did)\b"
)
# ... and one after a possessive or a determiner is a noun: "Clinton's remarks", "his comments".
_OWNER_BEFORE = re.compile(r"(?:['\u2019]s|\b(?:the|a|an|his|her|its|their|my|our|your))\s+$", re.I)


def _noun_use(text: str, verb: re.Match[str]) -> bool:
    """Is this reporting "verb" a noun here: "reports have shown", "Clinton's remarks"?"""
    return bool(
        _SUBJECT_NOUN.match(text, verb.end())
        or _OWNER_BEFORE.search(text, max(0, verb.start() - 8), verb.start())
    )


_LEAD_WORD = re.compile(  # "As Michael Dell said", "But Mr. Kerry said": not part of the name
    rf"(?:[Aa]s|[Ll]ike|[Bb]ut|[Aa]nd|[Ss]o|[Yy]et|[Ss]till|[Mm]eanwhile|[Hh]owever)\s+(?=[{_UPPER}])"
)
_NAME_COLON = re.compile(  # "... surprise Republican pollster Daron Shaw: '", "Rep. Trey Gowdy (R-S.C.):'"
    rf"({_CAP_WORD}(?:[ \t]+{_CAP_WORD}){{1,3}})"
    r"[ \t]*(?:\([^()\n]{1,20}\))?[ \t]*:[ \t]*$"
)


# A name, then one past-tense verb the reporting verbs do not list, then a colon: "Mr. Christie
# gloated: '", "Trump boomed: '". The colon makes it speech.
_NAME_VERB_COLON = re.compile(
    rf"(?<![\w.])((?:{_CAP_WORD}[ \t]+){{0,3}}[{_UPPER}][\w'\u2019-]*|[Hh]e|[Ss]he)"
    r"[ \t]+([a-z]{3,}ed)[ \t]*:[ \t]*$"
)


# What may follow the verb of a sentence-closing attribution: "... proclaimed to a cheering crowd."
_CLOSING_TAIL = re.compile(r"[^,;:\"\u201c\u201d]{0,100}?[.?!]?[\s\"'\u2019\u201d]*")


def _closing_attribution(masked: str, span: _Span, sentence_end: int) -> _Attribution | None:
    """The clause that closes the quote's sentence: '"X" and "Y," Howard Dean, the former
    governor, proclaimed.' / '"were stiff" in comparison to Obama, Gingrich said.'"""
    at = _MARKS_AFTER.match(masked, span.end + 1).end()
    rest = masked[at : min(sentence_end, at + 2 * AFTER_WINDOW)]
    verbs = [v for v in _VERB_RE.finditer(rest) if not _noun_use(rest, v)]
    if not verbs:
        return None
    verb = verbs[-1]
    left = rest[: verb.start()]
    if left.rstrip().endswith(",") and verb.group().split()[-1] not in ("told", "tells"):
        inverted = _inverted(rest, verb, at)  # '"... to be done" in May, said Ann Lee, an aide.'
        if inverted is not None and _CAPITAL.search(inverted.subject):
            return inverted
    if not _CLOSING_TAIL.fullmatch(rest, verb.end()):
        return None
    if "," not in left:
        return None
    found = _subject_phrase(left)
    if found is None or not _valid_subject(found[0]) or found[1] <= left.find(","):
        return None  # the subject must be set off by the comma, not the narration before it
    return _Attribution(found[0], _verb_phrase(rest, verb), at + found[1], at + verb.end())


def _before_attribution(masked: str, mark_start: int, sentence_start: int) -> _Attribution | None:
    """ "He said: '", "X, the spokesman, said '", "NASA said Tuesday that ... had '", "According to X, '":
    the clause before the quote whose opening mark is at ``mark_start``.

    Read from the sentence start, or from a word start ``SENTENCE_WINDOW`` characters back when
    the "sentence" is longer (a run of quotes with no sentence end between them)."""
    lo = _window_start(masked, sentence_start, mark_start)
    pre = masked[lo:mark_start]
    if not pre.strip():
        return None
    verbs = [v for v in _VERB_RE.finditer(pre) if not _noun_use(pre, v)]
    accs = list(_ACCORDING.finditer(pre))
    if accs and (not verbs or accs[-1].start() > verbs[-1].start()):
        acc = accs[-1]
        np = re.match(r"\s*([^,]+)", pre[acc.end() :])
        if np and np.group(1).strip():
            return _Attribution(np.group(1).strip(), "according to", lo + acc.end() + np.start(1), mark_start)
    if not verbs:
        if not pre.rstrip().endswith(":"):
            return None  # both forms below end at a colon: no 1000-character scan for them per quote
        acted = _NAME_VERB_COLON.search(pre)  # "And Mr. Christie gloated: '"
        if acted is not None and acted.group(2) not in _ED_NOUNS:
            lead = _LEAD_WORD.match(acted.group(1))
            who = acted.group(1)[lead.end() :] if lead else acted.group(1)
            if _valid_subject(who):
                at = lo + acted.start(1) + (lead.end() if lead else 0)
                return _Attribution(who, acted.group(2), at, mark_start, True)
        named = _NAME_COLON.search(pre)
        if named is None or not _valid_subject(named.group(1)):
            return None
        alone = not pre[: named.start(1)].strip()  # "Rep. Trey Gowdy (R-S.C.): '": a transcript line
        return _Attribution(named.group(1), None, lo + named.start(1), mark_start, True, alone)
    verb = verbs[-1]
    verb_text = _verb_phrase(pre, verb)
    tight = bool(re.fullmatch(r"[^.?!'\"]{0,50}?[:,]?\s*", pre[verb.end() :])) and pre.rstrip()[-1:] in ":,"
    left = pre[: verb.start()]
    # "was" or "being" ends ``left`` (spaces after it): read only its last word, not 1000 characters
    passive = _PASSIVE_BEFORE.search(left, max(0, len(left.rstrip()) - len("being")))
    agent = _PASSIVE_AGENT.match(pre, verb.end()) if passive else None
    if agent is not None and _valid_subject(agent.group(1)):  # "Sanders was asked by host Bill Maher, '"
        return _Attribution(agent.group(1), verb_text, lo + agent.start(1), mark_start, tight)
    object_follows = verb.group().split()[-1] in ("told", "tells", "telling", "asked", "asking")
    if (
        tight
        and not object_follows
        and re.search(r"(?:^|,)\s*$", left)
        and _SPACED_CAPITAL.match(pre[verb.end() :])
    ):
        inverted = _inverted(pre, verb, lo)  # "Because of the schedule, explained Rosenberg, '"
        if inverted is not None:
            return _Attribution(inverted.subject, inverted.verb, inverted.pos, mark_start, True)
    if verb.group().endswith("ing") and (
        left.rstrip()[-1:] in (",", "\u201d", '"', "'") or _NOUN_THEN_PARTICIPLE.match(left)
    ):
        # "The royal, who ..., introduced ..., saying: '"; 'called it a “...,” adding: “' (the
        # comma inside the marks is masked)
        found = _participle_subject(left)
    else:
        found = _subject_phrase(left)
    if found is not None and (lead := _LEAD_WORD.match(found[0])):
        found = (found[0][lead.end() :], found[1] + lead.end())
    if found is None or not _valid_subject(found[0]):
        return None
    return _Attribution(found[0], verb_text, lo + found[1], mark_start, tight)


# A passive reporting verb: "was asked by X", "were told by X": X is who speaks.
_PASSIVE_BEFORE = re.compile(r"\b(?:was|were|is|are|been|being)\s+$")
_PASSIVE_AGENT = re.compile(  # "by Fox Business moderator Gerard Baker whether ..."
    rf"\s+by\s+((?:[\w.'\u2019-]+\s+){{0,5}}?{_CAP_WORD})"
    r"(?=\s*(?:[,;:]|$)|\s+(?:whether|if|that|to|about|for|on|at|in|during|after|before|who)\b)"
)


def _window_start(text: str, start: int, end: int) -> int:
    """Where to read the text before ``end`` from: ``start``, or the first word start in the last
    ``SENTENCE_WINDOW`` characters when ``start`` lies further back."""
    lo = end - SENTENCE_WINDOW
    if lo <= start:
        return start
    word = _WORD_START.search(text, lo, end)
    return word.start() if word else lo


_WORD_START = re.compile(r"(?<!\S)\S")
_DOCUMENT_SOURCE = re.compile(r"\s+(?:issued\s+|released\s+|sent\s+)?(?:from|by)\s+(.+)")  # its author
_OF_ROLE = re.compile(
    rf"(?:the|a|an)\s+(?:[{_LOWER}][\w'\u2019-]*\s+){{0,2}}?([{_LOWER}][\w-]*)\s+(?:of|to|for)\s+\S"
)
# "the magazine's"
_OWNED_LEAD = re.compile(rf"(?:the|a|an|his|her|its|their)\s+[{_LOWER}][\w-]*['\u2019]s?\s+")
# People named by their tie to someone else ("Smith's wife", "an aide to X"): never that someone.
_RELATION_NOUNS = frozenset(
    """mother wife husband son daughter family friend partner girlfriend boyfriend fiancee fiance
    widow widower uncle aunt cousin niece nephew neighbour neighbor aide adviser advisor diplomat
    envoy ally colleague teammate""".split()
)


def _owned_role(phrase: str, core: str) -> str:
    """The role noun of a person described by a tie to someone or something else, or "".

    "Putin's spokesman", "the mother of Tom Price", "a spokesman for the police" and "the
    magazine's columnist" are none of Putin, Tom Price, the police or the magazine; but
    "Kaiser Permanente's form" is Kaiser Permanente's.
    """
    head = _head(core)
    of_role = _OF_ROLE.match(phrase)
    if of_role:
        role = of_role.group(1)
        return role if role in _TITLES or role in _RELATION_NOUNS else ""
    if not core.split()[-1][:1].islower():
        return ""
    if _POSSESSIVE_LEAD.match(core):
        return head if head in _TITLES or head in _RELATION_NOUNS else ""
    return head if _OWNED_LEAD.match(core) and head not in _DOCUMENT_NOUNS else ""


def _speaker(names: _Names, phrase: str, pos: int, speakers: list[tuple[int, str]]) -> str | None:
    """Turn a subject phrase into the speaker's fullest name, or the description used."""
    phrase = re.sub(r"\s+", " ", phrase.strip(" ,;:"))
    words = phrase.split()
    if not words:
        return None
    low = phrase.lower()
    if low in _PERSONAL:
        return names.resolve_pronoun(low, pos, speakers)
    core = _cut_at_preposition(phrase)
    source = _DOCUMENT_SOURCE.match(phrase, len(core)) if _head(core) in _DOCUMENT_NOUNS else None
    if source and (
        names.in_range(pos + source.start(1), pos + len(phrase) + 1) or _head(source.group(1)) in _ORG_NOUNS
    ):  # "a statement from the Home Office": the body that issued it
        return _speaker(names, source.group(1), pos + source.start(1), speakers)
    runs = names.in_range(pos, pos + len(core) + 1)
    first = words[0].lower()
    head_word = core.split()[-1] if core.split() else ""
    role = _owned_role(phrase, core)
    if role:  # "Putin's spokesman", "the mother of X", "the magazine's columnist": not X, not anyone
        owners = {names.fullest_tokens(m.tokens) for m in names.in_range(pos, pos + len(phrase) + 1)}
        described = names.last_described(role, pos, owners)  # someone described so earlier, never the owner
        return names.name_of(described) if described else _describe(phrase)
    head_is_name = bool(runs) and head_word[:1].isupper()
    if head_is_name:
        chosen = runs[-1]
        if (
            len(runs) >= 2
            and (chosen.org or (not chosen.titled and len(runs[-2].tokens) >= 2))
            and names.is_person(runs[-2])
            and re.fullmatch(r"\s+of\s+(?:the\s+)?", names.masked[runs[-2].end : chosen.start])
        ):
            chosen = runs[-2]  # "Tom Price of Leeds United", "G.K. Butterfield of North Carolina"
        single = len(chosen.tokens) == 1
        if single and (
            (_is_title(chosen.tokens[0]) and not _HONORIFIC_NAME.match(names.masked, chosen.start))
            or (
                first in ("the", "a", "an")
                and not chosen.tokens[0].isupper()
                and chosen.tokens not in names.persons
            )
        ):
            return names.resolve_role(core, pos, speakers) or _describe(phrase)
        return names.name_of(chosen)
    people = [m for m in runs if names.is_person(m)]
    if people:
        return names.name_of(people[-1])  # "Abu Ibrahim Raqqawi one of the group's founders"
    if runs and runs[0].start == pos and first not in _DETERMINERS and first not in _QUANTIFIERS:
        return names.name_of(runs[0])  # "NASA information on ...", "Kaiser Permanente's form"
    if first in ("a", "an", "another") or first in _QUANTIFIERS:
        if _head(core) in _DOCUMENT_NOUNS:
            return names.resolve_role(core, pos, speakers)
        aged = _AGED.search(core)  # "A 14-year-old girl ...", and only "Jamie Lee, 14," is 14
        return (names.only_person_aged(aged.group(1)) if aged else None) or _describe(phrase)
    if first in _DETERMINERS:
        return names.resolve_role(core, pos, speakers) or _describe(phrase)
    if len(words) == 1 and words[0][:1].isupper():  # "May said": a word the name pass took for a month
        return names.fullest((_clean_token(words[0]),))
    return phrase


_AGED = re.compile(r"\b(\d{1,3})-year-old\b")


def _describe(phrase: str) -> str:
    """A description as the speaker: "A Sandown spokesman" -> "a Sandown spokesman"."""
    first = phrase.split()[0]
    if first in ("A", "An", "One", "Two", "Three", "Some", "Several", "Another", "The"):
        return first.lower() + phrase[len(first) :]
    return phrase


def _cut_at_preposition(phrase: str) -> str:
    """The head noun phrase: "The memo for members of Congress" -> "The memo"."""
    words = phrase.split()
    for k, w in enumerate(words[1:], start=1):
        lw = w.lower()
        named_after = k + 1 < len(words) and (
            words[k + 1][:1].isupper()
            or (words[k + 1] == "the" and k + 2 < len(words) and words[k + 2][:1].isupper())
        )  # "Tom Price of Leeds United", "Speaker of the House Paul Ryan"
        if lw in _PREPOSITIONS and not (lw == "of" and (named_after or words[k - 1].lower() in _QUANTIFIERS)):
            return " ".join(words[:k])
    return phrase


# --- confidence and continuation -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Resolved:
    speaker: str | None
    verb: str | None
    carried: bool = False  # the quote before's speaker, with only its attribution between them


def _resolve(names: _Names, attribution: _Attribution, speakers: list[tuple[int, str]]) -> _Resolved:
    """The speaker ``attribution``'s subject refers to (``_speaker``), with its verb."""
    return _Resolved(_speaker(names, attribution.subject, attribution.pos, speakers), attribution.verb)


# How sure the speaker is, by how the attribution named them. A name in the attribution clause
# itself ("said Harriet Blake") is as sure as these rules get; a pronoun or a role noun resolved to
# someone earlier, or a quote with no clause of its own, is a guess a reader may not be shown.
NAMED_CONFIDENCE = 0.95
RESOLVED_CONFIDENCE = 0.6
CONTINUATION_CONFIDENCE = 0.5
# "he said" or "she said" when the person it resolves to is the only person named in its sentence
# and the two before: no one else it could be (dev 17 of 17 right, PolNeAR's scored few 6 of 7).
PRONOUN_CONFIDENCE = 0.85
PRONOUN_SENTENCES = 2  # sentences before the pronoun's own in which no other person may be named
# "according to X": X may be the outlet that reported someone else's words.
ACCORDING_TO_CONFIDENCE = 0.6
# A speaker that does not look like a name as a reader knows it ("Yep", "EXPERT VERDICT").
ODD_NAME_CONFIDENCE = 0.3
_DETERMINER_START = re.compile(r"^(?:the|a|an|his|her|its|their|our|one|two|three|another|some)\b", re.I)


_NAME_RUN = re.compile(rf"[{_UPPER}][\w'’-]+(?:\s+[{_UPPER}][\w'’-]+)+")


# "Mr. Clinton"
_TITLED = re.compile(rf"\b(?:Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Gen|Prof|Rev)\.?\s+([{_UPPER}][\w'’-]+)")


def _name_tails(text: str) -> frozenset[str]:
    """Every word that follows another capitalised word or a title somewhere in ``text``: a surname
    named in full ("Harriet Blake") or with a title ("Mr. Blake") makes "Blake" alone a name."""
    tails = {w for m in _NAME_RUN.finditer(text) for w in m.group().split()[1:]}
    return frozenset(tails | {m.group(1) for m in _TITLED.finditer(text)})


def _looks_like_a_name(tails: frozenset[str], speaker: str) -> bool:
    """Two or more capitalised words, not shouted; or one that the article also uses inside a
    longer name (a surname named in full earlier). A description ("the mother") passes too."""
    if _DETERMINER_START.match(speaker):
        return True
    words = speaker.split()
    if any(len(w) > 2 and w.isupper() and "." not in w for w in words):  # "G.K." is initials
        return False
    capitalised = [w for w in words if w[:1].isupper()]
    if len(capitalised) >= 2:
        return True
    if len(capitalised) == 1:
        return capitalised[0] in tails
    return False


def _only_person_in_play(names: _Names, attribution: _Attribution, speaker: str | None) -> bool:
    """Is ``attribution`` a "he" or "she" whose referent, ``speaker``, is the only person named
    from ``PRONOUN_SENTENCES`` sentences before it up to it? Two people in play: not sure."""
    if speaker is None or attribution.subject.strip().lower() not in ("he", "she"):
        return False
    s = names.sentence_of(attribution.pos)
    lo = names.starts[max(0, s - PRONOUN_SENTENCES)]
    people = {names.fullest(m.tokens) for m in names.in_range(lo, attribution.pos) if names.is_person(m)}
    return people == {speaker}


def _relayed(masked: str, attribution: _Attribution) -> bool:
    """Does the attribution say it was reported second-hand: "X said, according to CNN", "X
    told donors, according to a pool report"? Then whose words they are is the outlet's account."""
    if attribution.verb == "according to":
        return False
    lo, hi = sorted((attribution.pos, attribution.clause_end))
    return _ACCORDING.search(masked, lo, hi) is not None


def _confidence(tails: frozenset[str], resolved: _Resolved, subject: str | None) -> float:
    """0-1: how likely the quote's speaker is right (see the constants above)."""
    if not resolved.speaker:
        return 0.0
    if subject is None:
        score = CONTINUATION_CONFIDENCE
    else:
        phrase = subject.strip(" ,;:").lower()
        resolved_elsewhere = phrase in _PERSONAL or _DETERMINER_START.match(phrase) is not None
        score = RESOLVED_CONFIDENCE if resolved_elsewhere else NAMED_CONFIDENCE
    if resolved.verb and resolved.verb.lower().startswith("according"):
        score = min(score, ACCORDING_TO_CONFIDENCE)
    if not _looks_like_a_name(tails, resolved.speaker):
        score = min(score, ODD_NAME_CONFIDENCE)
    return score


_LEADS_IN = re.compile(r"(?:[:,]|\bthat)\s*$")  # narration that leads into the quote it ends on


def _continuation(
    names: _Names,
    masked: str,
    span: _Span,
    previous: _Span | None,
    previous_after: _Attribution | None,
    previous_resolved: _Resolved | None,
    speakers: list[tuple[int, str]],
    sentence_start: int,
) -> _Resolved:
    """A quote with no attribution clause of its own: whose is it?"""
    if previous is not None and previous_resolved is not None:
        gap_from = previous_after.clause_end if previous_after else previous.end + 1
        gap = masked[gap_from : span.mark_start]
        if not re.sub(r"[\s.,;:\"'\u2018\u2019\u201c\u201d\u2014\u2013-]", "", gap):
            if "\n" in gap:  # a new paragraph: same speaker, but no attribution clause of its own
                return _Resolved(previous_resolved.speaker, None)
            # "'X,' he said. 'Y.'", or two quotes back to back: as sure as the quote before
            return _Resolved(previous_resolved.speaker, previous_resolved.verb, carried=True)
    s = names.sentence_of(span.mark_start)
    if s > 0 and _THAT_AGAIN.match(masked, sentence_start):
        # "X said that A. But that B ...": no clause of its own; the sentence before reports it
        lead_in = _before_attribution(masked, sentence_start, names.starts[s - 1])
        if lead_in is not None:
            return _Resolved(_resolve(names, lead_in, speakers).speaker, None)
    if names.text[span.start : span.start + 1].islower():  # a fragment worked into a sentence
        head = masked[sentence_start : min(span.mark_start, sentence_start + SENTENCE_WINDOW)]
        found = _np_prefix(_strip_intro(head))
        if found and _valid_subject(found[0]):
            offset = head.find(found[0])
            speaker = _context_speaker(
                names, found[0], sentence_start + max(offset, 0), speakers, any_name=True
            )
            if speaker:
                return _Resolved(speaker, None)
    head = masked[max(sentence_start, span.mark_start - SENTENCE_WINDOW) : span.mark_start]
    if _LEADS_IN.search(head):  # "X is telling customers that '", "X thanked them, '": X, if named
        stripped = _strip_intro(head)
        found = _np_prefix(stripped)
        if found and _valid_subject(found[0]):
            at = span.mark_start - len(head) + len(head) - len(stripped) + found[1]
            speaker = _context_speaker(names, found[0], at, speakers, any_name=False)
            if speaker:
                return _Resolved(speaker, None)
    if (
        previous is not None
        and previous_resolved is not None
        and previous_resolved.speaker
        and (span.start - previous.end < CONTINUATION_CHARS)
    ):
        return _Resolved(previous_resolved.speaker, None)
    for lo, hi in ((sentence_start, span.mark_start), (names.starts[s - 1] if s > 0 else 0, sentence_start)):
        if hi <= lo:
            continue
        head = masked[lo : min(hi, lo + SENTENCE_WINDOW)]  # its subject opens it
        stripped = _strip_intro(head)
        found = _np_prefix(stripped)
        if found and _valid_subject(found[0]):
            speaker = _context_speaker(
                names, found[0], lo + len(head) - len(stripped) + found[1], speakers, any_name=False
            )
            if speaker:
                return _Resolved(speaker, None)
    return _Resolved(None, None)


# "But that her party want ...": a reported clause with no verb of its own before it; not the
# pronoun of "But that was before ...".
_THAT_AGAIN = re.compile(
    r"\s*(?:But|And|Also)\s+(?:also\s+)?that\b"
    r"(?!\s+(?:is|was|were|are|would|will|has|had|may|might|could|can|should|does|did|\w+ed)\b|['\u2019]s)"
)


def _strip_intro(head: str) -> str:
    """Drop introductory comma-phrases: "Among the highlights, as caught on tape: " -> ""."""
    parts = head.split(",")
    k = 0
    while k < len(parts) - 1 and (_INTRO.match(parts[k].strip()) or not parts[k].strip()):
        k += 1
    rest = ",".join(parts[k:])
    return "" if _INTRO.match(rest.strip()) and ":" in rest else rest


def _context_speaker(
    names: _Names, phrase: str, pos: int, speakers: list[tuple[int, str]], *, any_name: bool
) -> str | None:
    """A speaker taken from the subject of a nearby sentence, only when it names someone."""
    words = phrase.split()
    first = words[0].lower()
    if first in ("he", "she", "they"):
        return names.resolve_pronoun(first, pos, speakers)
    runs = names.in_range(pos, pos + len(phrase) + 1)
    if any(
        names.is_person(m) or (any_name and not _LOCATIVE.search(names.masked, max(0, m.start - 16), m.start))
        for m in runs
    ):
        return _speaker(names, phrase, pos, speakers)
    if first in ("the", "this") and (_head(phrase) in _TITLES or _head(phrase) in names.roles):
        return names.resolve_role(phrase, pos, speakers)
    return None
