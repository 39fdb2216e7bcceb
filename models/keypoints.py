"""Extractive TL;DR and key points on sentence embeddings.

Three stages, as in transformers' pipelines:

* ``preprocess``  text -> candidate sentences (exact spans; datelines, bylines, boilerplate and
  fragments left out), from the first ``MAX_CANDIDATES`` sentences: news puts what matters first,
  and a sentence that can never be chosen is not worth embedding. A sentence that leans on the one
  before it ("He also said...", "That year...") is a candidate only together with that sentence,
  when the two stay short; otherwise not at all.
* ``forward``     the encoder embeds the candidates, the headline and the standfirst (the only
  model call).
* ``postprocess`` picks, in this order:

  1. the **TL;DR**: one sentence that says what happened, from the lede (``TLDR_WINDOW``), scored
     by how close it is to the headline and standfirst, to the article as a whole (centrality) and
     how early it comes. Questions, quotations, first- or second-person openings, rubrics and
     teasers never qualify. Over ``TLDR_MAX_WORDS`` it is shortened by deletion only
     (``models.shorten``), or another sentence is taken.
  2. the **key points**: the most important *further* facts. Each sentence's score blends its
     centrality, a position prior and its length; points are chosen greedily with maximal
     marginal relevance against the TL;DR and the points already chosen, so a sentence that says
     the TL;DR again never comes in. None holds a span the caller reserved (the quotes shown
     below), none is the headline again. Shown in article order.

Every ``KeyPoint`` carries the spans it came from, and its text is exactly the article's text at
those spans joined (one span for a sentence; two adjacent sentences are one span too): a point is
always traceable.

Another language (``Hints.language``; ``models.languages``): the same stages and scores, with the
sentences split for that language, words counted in its script, and the rules that carry over:
length caps, no repeats (on its own words), boilerplate, questions and quotations, and where the
language has lists, openings that lean back and the first or second person. The English lists
(rubrics, teasers, an unintroduced surname) and the TL;DR's shortening (English clause rules) are
English only: a TL;DR in another language is a whole sentence of at most ``TLDR_MAX_WORDS``.
The summarizer scores such text on its own words (``models.lexical``), not the English encoder.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from bot.core.text import MONTHS, WEEKDAYS, count_words
from bot.core.types import KeyPoint, Span
from models.languages import LanguageRules, content_words, is_english, rules_for
from models.sentences import Sentence, candidate_span, iter_sentences
from models.shorten import shorten, without_citations

__all__ = [
    "Candidates",
    "Hints",
    "KeyPointResult",
    "Scoring",
    "SentenceEncoder",
    "depends_on_context",
    "is_boilerplate",
    "rank_key_points",
    "repeats",
    "select_key_points",
    "tldr_unfit",
]

# Sentences past this index are never candidates: on CNN/DM the reference points come from the
# first 30 sentences in 97 % of articles, and embedding fewer sentences is most of the speed-up.
MAX_CANDIDATES = 30
# In another language, when too few of the first MAX_CANDIDATES sentences pass the filters, this
# many times as many more are read for ones that do.
READ_FURTHER = 3
# Cosine above which two sentences say the same thing (a rewritten lede, a repeated caption):
# the later one is never chosen beside the earlier, whatever the MMR weights.
DUPLICATE_COSINE = 0.85
# The TL;DR comes from the lede: past the first few sentences of a news story come the details.
TLDR_WINDOW = 6
# With a headline, the TL;DR is the earliest of the first sentences that says what the headline
# says within this much cosine of the one that says it best: a feature's opening scene or a
# background sentence says it less well than the news sentence a few lines down.
TLDR_WINDOW_HEADLINED = 10
HEADLINE_MARGIN = 0.2
TLDR_MAX_WORDS = 30
# A point longer than this is a wall in a chat reply; it is used only when nothing else is left.
MAX_POINT_WORDS = 40
# A sentence that leans on the one before is shown with it only when the two stay this short.
MERGED_MAX_WORDS = 45
# Share of a point's words found in the TL;DR (or the headline) above which it says it again.
REPEAT_WORD_SHARE = 0.7

_QUOTE_MARKS = "\"“”„«»‘’'"
# Day and month names for the rules below: a weekday as one group, the months as a bare alternation.
_WEEKDAY = f"(?:{'|'.join(WEEKDAYS)})"
_MONTHS = "|".join(MONTHS)
# Openings that lean on what came before: a pronoun, "that year", a connective.
_DEPENDENT_START = re.compile(
    rf"""^[\"“‘'(]*(?:
        (?:And|But|Or|So|Yet|Also|Still|However|Meanwhile|Instead|Nonetheless|Nevertheless|Moreover|
           Furthermore|Additionally|Besides|Thus|Therefore|Then|Otherwise|Likewise|Similarly|Indeed|
           In\s+fact|In\s+addition(?!\s+to\b)|Of\s+course|After\s+all|As\s+a\s+result|Even\s+so|Amid\s+(?:all\s+)?this|
           At\s+the\s+same\s+time|For\s+(?:example|instance)|In\s+other\s+words|On\s+the\s+other\s+hand)\b
      | (?:He|She|They|It|His|Her|Hers|Their|Theirs|Its|Him|Them|These|Those|Such|That)\b
      | This\b(?!\s+(?:year|week|month|weekend|morning|afternoon|evening|spring|summer|autumn|fall|
           winter|season|time\s+last|{_WEEKDAY})\b)
      | The\s+(?:latter|former|same|move|decision|incident|announcement|comments?|remarks?|statement|
           report|findings|two|pair|couple|trio|man|woman|boy|girl|victim|suspect|agreement|deal|
           officer|counselor|counsellor|spokesman|spokeswoman|driver|mother|father|player|stopper|
           source|sources|company|firm|organi[sz]ation|group|agency|promotion|study|official|officials|
           family|department|political\s+counsel(?:l)?or)\b
           # ...unless the sentence says which: "The woman falsely accused of ...", "The man who ..."
           (?!\s+(?:who|whose|which|that|behind|accused|charged|falsely|wrongly|convicted|jailed|named|known
              |at\s+the\s+(?:centre|center|heart)))
      | (?:Both|Another|Others|Neither|Either)\b
      | To\s+(?:do\s+)?(?:this|that)\b | Back\s+then\b
      | (?:Through|By|With|Despite|Because\s+of|Like|Unlike|Besides)\s+(?:this|that|these|those|it|them)\b
      | (?:Sometimes|Often|Then|Later|Soon|Eventually|Finally|Now|Today|Yesterday|Instead|Again)\s+
           (?:he|she|they|it|his|her|their|its)\b
      | (?:In|On|By|At|During|Since|After|Before|Until|Within|Last)\s[^,.;:"“]{{1,30}},\s+
           (?:he|she|they|it|his|her|their|its)\b
      | (?:[A-Z][a-z]{{2,}}(?:ed|en)|Born|Made|Built|Known|Led|Brought|Taught|Grown|Shown|Caught)\s
           [^,;:"“]{{1,60}},\s+(?:he|she|they|it|his|her|their|its)\b   # "Developed by a U.S. doctor, it"
      | (?:In|On|From|With|Under|Through|Of)\s+(?:it|them|which)\b
      | Among\s+(?:them|those|these|others)\b
      | (?:In|By|At|During|Since|Until|From|After|Before)\s+(?:that|this|the\s+same|those)\s+
           (?:year|month|week|day|time|period|season|case|moment)\b
      | (?:That|The\s+same|The\s+following|The\s+previous|Later\s+that|Earlier\s+that)\s+
           (?:year|month|week|day|morning|afternoon|evening|night|time)\b
    )""",
    re.VERBOSE,
)
# "The 76-year-old", "The biologist and entrepreneur", "The former striker": a person the sentence
# does not name, so one named in a sentence before it.
_PERSON_NOUNS = (
    "singer|actor|actress|player|striker|midfielder|defender|goalkeeper|manager|coach|driver|rider|"
    "boxer|golfer|author|writer|novelist|poet|artist|painter|musician|rapper|comedian|presenter|"
    "broadcaster|journalist|reporter|photographer|director|producer|designer|architect|engineer|"
    "scientist|biologist|physicist|chemist|researcher|professor|teacher|doctor|surgeon|nurse|lawyer|"
    "solicitor|barrister|detective|victim|suspect|defendant|prisoner|teenager|pensioner|widow|"
    "businessman|businesswoman|entrepreneur|billionaire|millionaire|chef|farmer|pilot|soldier|veteran|"
    "politician|senator|candidate|campaigner|activist|protester|founder|owner|star|youngster|"
    "grandmother|grandfather|mum|dad|boss|chief|winner|minister|adviser|advisor|aide|royal|monarch|heir|"
    "heiress|socialite|celebrity|fan"
)
# "The Spaniard has...", "The Briton finished...": a nationality standing for a person named before
# (followed by a verb or a comma, not a noun: "The Chinese team" is not a person).
_DEMONYMS = (
    "Briton|Spaniard|Frenchman|Frenchwoman|Scot|Welshman|Welshwoman|Irishman|Irishwoman|Englishman|"
    "Englishwoman|Dutchman|Swede|Dane|Norwegian|Finn|Pole|German|Italian|American|Australian|Canadian|"
    "Brazilian|Argentine|Argentinian|Portuguese|Belgian|Swiss|Austrian|Russian|Ukrainian|Serb|Croat|"
    "Kenyan|Ethiopian|Nigerian|Jamaican|Mexican|Colombian|Chilean|Uruguayan|Japanese|Chinese|Korean|"
    "Indian|Pakistani|Egyptian|Moroccan|Ghanaian|Senegalese|Czech|Hungarian|Romanian|Greek|Turk|"
    "Israeli|Iranian|Kiwi|Aussie|Yorkshireman|Ulsterman"
)
_VERB_NEXT = r"(?=\s*,|\s+(?:has|had|is|was|will|would|could|can|said|says|told|[a-z]+ed|[a-z]+s)\b)"
# A product blurb's line with no subject: "Offers 'protection against ...'", "Contains zinc and ...";
# what offers it was the line before ("Uses of the drug", "Claims for the" are nouns).
_NO_SUBJECT = re.compile(
    r"(?:Offers|Contains|Provides|Includes|Features|Comes|Claims|Promises|Boasts|Uses|Helps|Protects|"
    r"Gives|Works|Costs|Lasts|Sells|Retails)\s+(?!(?:of|for|in|and|to|on)\b)[a-z'‘“\"£$€\d]"
)
_UNNAMED_PERSON = re.compile(
    rf"The\s+(?:\d+-year-old\b|(?:{_DEMONYMS}){_VERB_NEXT}|"
    rf"(?:[A-Z][\w’'-]*\s+){{0,2}}(?:[a-z-]+\s+){{0,2}}(?:{_PERSON_NOUNS})\b(?!\s+of\b))"
)
# The person's name right after the epithet: "The singer Adele Adkins", "The 30-year-old, Jane Ashdown,".
_NAME_NEXT = re.compile(
    r"[\s,]*[A-Z][a-z]+(?:\s+[A-Z][a-z]+)+|[\s,]*[A-Z][a-z]+(?=\s*,|\s+(?:said|says|has|had|is|was)\b)"
)
# In any other language as well: a tag list, a line that opens on a date ("05/10/2018 - ..."), a
# site's address given as a handle.
_ANY_BOILERPLATE = re.compile(
    r"(?i)(?<![^\W_])tags?\s*:|^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}(?!\d)|"
    r"(?<![\w.])@[\w-]+\.[a-z]{2,}\b"  # "@site.bo"
)
# Lines a page carries around an article: captions, credits, share and newsletter prompts.
_BOILERPLATE = re.compile(
    r"(?i)(?:^|\b)(?:read more|read also|also read|also on\s|click here|sign up|subscribe\b|newsletter|"
    r"follow us|follow (?:him|her|them) on|related:|related articles?|advertisement|all rights reserved|"
    r"copyright|©|photo(?:graph)?:|image:|images?:|credit:|getty images|file photo|pictured:|"
    r"\(photo\b|\(picture\b|\(image\b|watch:|video:|listen:|share this|share on|download the app|"
    r"this article (?:was|is) (?:originally|first)|click to|tap to|scroll (?:down|to)|"
    r"terms of (?:use|service)|terms and conditions|privacy policy|cookie|more on this (?:and other )?stor|"
    r"your comments?\b|comments? (?:will|may) be (?:published|moderated)|^please\b|"
    r"\bsubscription\b|^get\b.{0,60}\bdelivered\b|"
    # "X, pictured, ...", "Guards pictured with X", "(not pictured)": a caption; "were pictured with
    # X" is news
    r"(?<!\bwas )(?<!\bwere )(?<!\bis )(?<!\bare )(?<!\bbeen )(?<!\bbe )\bpictured\b|"
    r"\b(?:at the top of|above|below|in) this (?:article|story|page)\b|"
    r"\bthis (?:article|story) (?:above|below)\b|"
    r"\bvisit site\b|\b(?:buy|shop) (?:it )?now\b|\b(?:be sure|make sure|don'?t forget) to check out\b|"
    r"\bfor the (?:latest|best) deals\b|\bwww\.|https?://|\b[\w.-]+@[\w-]+\.[a-z]{2,}\b|"
    # a date or time line: "November 20, 2019 - 11:28 AMT"
    r"^(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2},? \d{4}\b|^\d{1,2}:\d{2}\b|"
    # a caption or label line: "Shooter: Terry Martin, 48, ...", "Tested by: ... RRP: ..."
    r"(?-i:^[A-Z][A-Za-z]+(?: [a-z]+)?:\s)|(?-i:^[A-Z][A-Z .'’-]{2,30}:\s)|"  # "EXPERT VERDICT: ..."
    # a caption run into the text with no full stop: "... appears disinterested The reptile then",
    # "... coworker All this came", "... 100 years ago In 2006"
    r"(?-i:\b[a-z]{3,} (?:The|An|He|She|It|They|This|These|Those|All|Many|His|Her|Their|Its|In) [a-z0-9])|"
    # ... and after a name or a number, or with a connective and its comma: "... in London However, after",
    # "... ahead of Woods His only bogey", "... is @handle Many gays", "... replay Indeed, Bowyer's"
    r"(?-i:[\w@]*[a-z0-9]{2} (?:(?:The|An|This|These|Those|All|Many|Some|Most|Both|Several|There|"
    r"His|Her|Their|Its|Our|He|She|It|They|We|In|After|Before|When|While|Then|And|But|Also) [a-z]|"
    r"(?:Indeed|However|Meanwhile|Also|Still|Earlier|Later|After|Then|But|And),))|"
    # a shop widget's call run in: "... zip through skirt Earn your style stripes!"
    r"(?-i:[a-z]{2,} [A-Z][a-z]+ your\b)|"
    # page furniture glued to the next sentence: "...at-a-glanceThe campaign", "stories.The"
    r"(?-i:[a-z]{3,}(?:The|A|An|In|On|At|He|She|It|They|We)\s|[a-z0-9]{2}\.[A-Z][a-z]{2,}\b))"
)
_LIST_MARK = re.compile(r"^(?:[-–•*·]|\d{1,2}[.)])\s+")
# "WASHINGTON: ...", and a press release's "New York, NY – ..."
_DATELINE_COLON = re.compile(
    r"^(?:[A-Z][A-Z .'’-]{2,30}:|[A-Z][a-z]+(?: [A-Z][a-z]+)*, [A-Z]{2}\s+[–—-])\s+(?=[A-Z])"
)
# TL;DR: openings of a feature, a rubric or a teaser, not of a news lede.
_RUBRIC = re.compile(
    r"(?i)^(?:the latest\b|welcome to\b|meet the\b|here(?:'s|’s| is| are|,)|"
    r"what (?:we|you) (?:know|need)|what to know|"
    r"watch\b|live\b|opinion\b|analysis\b|editor'?s note|in case you|if you\b|imagine\b|picture this|"
    r"ever (?:wondered|thought)|did you know|have you|this is\b|it'?s (?:been|not|time)\b|"
    r"there (?:is|are|was|were|(?:has|have|had)(?:,[^,]{1,20},)? been)\b|"
    r"once upon|for years\b|for decades\b|it was\b)"
)
# After "this", "these", "those": words that show nothing described before is pointed at ("these
# years", "those who", "this of all times").
_NOT_POINTED_AT = "years?|weeks?|months?|who|which|that|of|in|at|with|on|for|from|whose"
# What a point may say but a TL;DR, the first thing read, may not: "this bar", "those payments"
# anywhere (the bar a sentence before described), "Earlier", "Back then".
_TLDR_LEANS = re.compile(
    r"\b(?i:this|these|those)\s+(?!(?i:weekend|morning|afternoon|"
    rf"evening|night|spring|summer|autumn|fall|winter|season|time|decade|century|{_WEEKDAY}|{_MONTHS}|"
    rf"country|{_NOT_POINTED_AT})\b)[a-z]|"
    r"^(?:Back then\b|Earlier\b|Now,)|\b(?i:that)(?:'s|’s|\s+(?:is|was)\b)|"
    # "X has also signed", "in that change": what it adds to, or points at, came before
    r"^[^.;:]{0,60}\b(?:also|however)\b|"
    r"^[^.;:]{0,60},\s*(?:though|too|then|in turn|therefore|nonetheless|nevertheless),|"
    r"^[^.;:]{0,60}\b(?:added|continued)\s+(?:that\b|:|,)|\b(?:in|of|on|at|for|from|by|with)\s+that\s+(?!is\b|was\b)[a-z]+\b(?!\s+(?:of|who|which)\b)"
)
# A point that only announces what follows, or greets the reader.
_TEASER = re.compile(
    r"(?i)^(?:here(?:'s|’s| is| are|,)|welcome to\b|read on\b|find out\b|see (?:below|how)\b)"
)
# A point that points back anywhere in it: "Investing Solutions received those benefit payments",
# "signs of these receptors" (the payments, the receptors a sentence before described). "This"
# is left to the TL;DR's rule: in a point it is more often the article's own subject.
_POINTS_BACK = re.compile(
    rf"\b(?i:these|those)\s+(?!(?i:days?|{_NOT_POINTED_AT}|are|were|include|including|two|three|four|five)\b)"
    # ...but "those involved in", "those living near": people, not something described before
    r"(?![a-z]+(?:ed|ing)\s+(?:in|by|with|at|on|for|from|to|about|over|near)\b)[a-z]"
)
# A time counted from an event the sentence does not give: "(nearly) a year earlier." or "... two
# days before, ..." closing a clause, "A year later, ..." opening one ("died hours later" and "a
# week before he was ruled unfit" count from the sentence's own event). When a day, a month or a
# year comes before it in the sentence, that is the event's.
_COUNT = (
    r"(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|several|a\s+few|\d{1,3})\s+"
    r"(?:hours?|days?|weeks?|months?|years?|decades?)"
)
_RELATIVE_TIME = re.compile(
    rf"\b{_COUNT}\s+(?:earlier|before)(?=\s*(?:[.,;:]|$)|\s+(?:in|on|at)\b)|"
    rf"(?:^|[,;]\s*|\bthat\s+)[\"“‘']?{_COUNT}\s+later\s*,",
    re.I,
)
_TIME_GIVEN = re.compile(
    rf"\b(?:{_WEEKDAY}|{_MONTHS}|(?:1[89]|20)\d\d|yesterday|today|last\s+(?:week|month|year))\b"
)


def _unanchored_time(text: str) -> bool:
    """True when ``text`` counts time from an event it does not name ("a year earlier")."""
    m = _RELATIVE_TIME.search(text)
    return m is not None and _TIME_GIVEN.search(text, 0, m.start()) is None


# A source the point names as one already met: "..., the source further claimed to the outlet".
_MET_SOURCE = re.compile(r"\b(?i:the)\s+(?:source|sources|outlet|insider|insiders|tipster)\b")
# Someone not answering is not a fact a reader needs: "WYP are yet to comment", "did not respond
# to a request for comment", "could not be reached".
_NO_COMMENT = re.compile(
    r"(?i)\b(?:(?:is|are|was|were|has|have|had)\s+(?:yet|still)\s+to\s+(?:comment|respond|reply)|"
    r"(?:declined|refused)\s+to\s+comment|(?:did|does|has|have|had)\s+not\s+(?:yet\s+|immediately\s+)?"
    r"(?:respond|reply|replied|responded|return|returned|comment|commented)|could\s+not\s+(?:immediately\s+)?"
    r"be\s+reached|(?:was|were)\s+not\s+(?:immediately\s+)?available\s+(?:for|to)\s+comment|"
    r"no\s+(?:immediate\s+)?(?:comment|response)\s+(?:from|was))"
)
# First person outside quotes is the writer talking (a review, a column): not news. "You" only as
# the opening word; later it is often the generic "your house is worth more".
_PERSONAL = re.compile(
    r"\b(?:I|I'm|I’m|I've|I’ve|we|We|us|our|Our|my|My|me)\b|^(?:You|Your)\b|"
    r"^(?:If|When|Whether|In case|Once|Unless)\s+you\b|"  # "If you want a book that ...": a review's
    r"^Let(?:'s|’s|\s+us)\b"
)
# "strategies you can try", "your best bet": a TL;DR speaks about the news, not to the reader.
_ADDRESSED = re.compile(r"\b(?:you|your|you're|you’re|you've|you’ve)\b", re.I)
# Quoted words, in double marks and curly singles, and 'I want her gone,' in the straight single
# marks the British press uses: a mark opens after a space and closes before one, and an apostrophe
# inside a word ("America's") is no closing mark.
_QUOTED = re.compile(r"[\"“„«‘][^\"“”„«»‘’]*[\"”»’]|(?<!\w)'(?:[^'\n]|(?<=\w)'(?=\w)){2,400}?[,.!?]?'(?!\w)")
# Other languages: „…“, »…«, ‚…‘, 「…」 and 『…』 as well.
_QUOTE_MARKS_ANY = _QUOTE_MARKS + "‚»«「」『』"
_QUOTED_ANY = re.compile(r"[\"“„«»‚‘「『][^\"“”„«»‚‘’「」『』]*[\"”“»«‘’」』]")
_ENGLISH_TEASER_ENDS = ("?", ":", "...", "…")
_QUESTION_OR_TEASER_ENDS = (*_ENGLISH_TEASER_ENDS, "？", "：")
# In another language a point ends a sentence: the splitter cuts at sentence punctuation, so a
# line without it is a heading, a list item or a product name.
_SENTENCE_ENDS = (".", "!", "?", "。", "！", "？", "।", "॥", "؟", "۔")
_CLOSERS_ANY = "\"'”’»«)]」』） "


class SentenceEncoder(Protocol):
    name: str

    def encode(self, sentences: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True, slots=True)
class Scoring:
    """Weights of the selection scores; tuned on the CNN/DM dev split (``make bench`` reports)."""

    centrality: float = 1.0
    position: float = 1.0
    position_decay: float = 8.0
    """The position prior is ``exp(-i / decay)``: sentence 0 gets 1, sentence 8 gets 1/e."""
    headline: float = 0.2
    """For points: kept small so it only breaks near-ties (points say more than the headline)."""
    tldr_headline: float = 0.8
    """For the TL;DR: the headline and standfirst say what happened, so this counts most."""
    tldr_position: float = 1.5
    tldr_position_decay: float = 3.0
    """The TL;DR's own, steeper position prior: a news story says what happened first."""
    redundancy: float = 0.3
    """MMR penalty on the highest cosine to the TL;DR or an already-chosen point."""
    length_target: int = 24
    """Words; points much longer than this read as walls and are damped."""
    length_penalty: float = 0.3
    list_item: float = 1.0
    """For points: the bonus of an item's first sentence in a list article (``Candidates.leads``)."""


@dataclass(frozen=True, slots=True)
class Hints:
    """What the digest knows besides the text."""

    title: str | None = None
    description: str | None = None
    """The publisher's standfirst (``og:description``, a dek): a signal, never shown as such."""
    reserved: tuple[Span, ...] = ()
    """Spans shown elsewhere in the digest (its quotes): no point may hold one."""
    language: str | None = None
    """The language the article is read in (ISO 639-1); None or "en": the English path."""


@dataclass(frozen=True, slots=True)
class Candidates:
    spans: tuple[tuple[int, int], ...]
    positions: tuple[int, ...]
    """Index of each candidate's (last) sentence among all sentences of the article (0 = the lede)."""
    standalone: tuple[bool, ...]
    """False for a sentence shown with the one it leans on (two sentences, one span)."""
    leads: tuple[bool, ...] = ()
    """True for the first sentence under an item of a numbered list ("1. Ditch the diet"): in a
    list article the items are the points. Empty when the article has no such list."""


@dataclass(frozen=True, slots=True)
class KeyPointResult:
    points: tuple[KeyPoint, ...]
    tldr: KeyPoint | None


# -- rules on one sentence ----------------------------------------------------------------------


# English as the other languages' rules have it (``models.languages``): its openings that lean back,
# its first and second person.
_ENGLISH = LanguageRules("en", leans_back=_DEPENDENT_START, first_person=_PERSONAL, second_person=_ADDRESSED)


def _rules(language: str | None) -> LanguageRules:
    return _ENGLISH if is_english(language) else rules_for(language or "")


def depends_on_context(sentence: str, language: str | None = None) -> bool:
    """True when ``sentence`` opens on something only the sentence before explains: a pronoun
    ("He also..."), "that year", a connective ("But...", "However,"), or a lower-case word."""
    english = is_english(language)
    stripped = sentence.lstrip((_QUOTE_MARKS if english else _QUOTE_MARKS_ANY) + "(— –-").lstrip()
    if english and (m := _UNNAMED_PERSON.match(stripped)) and not _NAME_NEXT.match(stripped, m.end()):
        return True  # "The 76-year-old, who ...", "The biologist and entrepreneur ...": named before
    if english and _NO_SUBJECT.match(stripped):
        return True  # "Offers 'protection against ...'": the product was the line before
    leans = _rules(language).leans_back
    return (
        bool(leans and leans.match(sentence.lstrip()))
        or stripped[:1].islower()
        or (english and stripped[:1] in ",;:")
    )


def is_boilerplate(sentence: str, language: str | None = None) -> bool:
    """Captions, credits, share bars, newsletter prompts: page furniture, never a point. In
    another language, its own furniture ("Lesen Sie auch", "Leia também") counts as well as the
    English (sites in every language say "Newsletter", "©" and give links)."""
    if _BOILERPLATE.search(sentence):
        return True
    if is_english(language):
        return False
    other = rules_for(language or "").boilerplate
    return bool(_ANY_BOILERPLATE.search(sentence) or (other and other.search(sentence)))


def _unquoted(sentence: str, language: str | None = None) -> str:
    return (_QUOTED if is_english(language) else _QUOTED_ANY).sub(" ", sentence)


def _bare_quotation(sentence: str, language: str | None = None) -> bool:
    """Mostly someone's words: shown (if at all) among the quotes, with the speaker."""
    marks = _QUOTE_MARKS if is_english(language) else _QUOTE_MARKS_ANY
    words = _length(sentence, language)
    outside = _length(_unquoted(sentence, language), language)
    return sentence.lstrip()[:1] in marks or (words > 0 and outside < words / 2)


# What even the last-resort TL;DR of another language may not be.
_NOT_STATEMENTS = ("a question or teaser", "a heading or list item")


def tldr_unfit(sentence: str, language: str | None = None) -> str | None:
    """Why ``sentence`` cannot be a TL;DR (it does not say what happened), or None if it can."""
    why = _unfit_whole(sentence, language)
    if why is None and is_english(language) and _leans_as_tldr(sentence.strip()):
        return "leans on another sentence"
    return why


def _leans_as_tldr(text: str) -> bool:
    """What a point may say but the TL;DR, read first, may not (English): "this bar", "a year
    earlier"."""
    return bool(_TLDR_LEANS.search(text)) or _unanchored_time(text)


def _unfit_whole(sentence: str, language: str | None = None) -> str | None:
    """``tldr_unfit`` but for what a shortening may cut away ("this" in a clause cut off). Another
    language gets the rules that carry over: no rubric list, and a sentence must end as one."""
    text = sentence.strip()
    english = is_english(language)
    if text.endswith(_ENGLISH_TEASER_ENDS if english else _QUESTION_OR_TEASER_ENDS):
        return "a question or teaser"
    if not english and not text.rstrip(_CLOSERS_ANY).endswith(_SENTENCE_ENDS):
        return "a heading or list item"
    if _bare_quotation(text, language):
        return "a quotation"
    if depends_on_context(text, language):
        return "leans on another sentence"
    if english and _RUBRIC.match(text):
        return "a rubric or feature opening"
    outside, rules = _unquoted(text, language), _rules(language)
    if any(p is not None and p.search(outside) for p in (rules.first_person, rules.second_person)):
        return "first or second person"
    if is_boilerplate(text, language):
        return "boilerplate"
    if _length(text, language) < 6:
        return "a fragment"
    return None


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def repeats(text: str, other: str, language: str | None = None) -> bool:
    """True when most of ``text``'s content words are in ``other``: it says the same again."""
    if not is_english(language):  # words in any script, not only a-z
        mine, theirs = content_words(text), set(content_words(other))
        return bool(mine) and sum(w in theirs for w in mine) / len(mine) >= REPEAT_WORD_SHARE
    mine = [w for w in _words(text) if len(w) > 3]
    theirs = set(_words(other))
    return bool(mine) and sum(w in theirs for w in mine) / len(mine) >= REPEAT_WORD_SHARE


# -- stage 1 ------------------------------------------------------------------------------------


def _point_span(sentence: Sentence, language: str | None = None) -> tuple[int, int] | None:
    """The part of ``sentence`` a point may show, or None: the sentence filters plus a
    ``CITY:`` dateline off the front, and never boilerplate."""
    span = candidate_span(sentence, language)
    if span is None:
        return None
    start, end = span
    text = sentence.text[start - sentence.start : end - sentence.start]
    if (m := _LIST_MARK.match(text)) is not None:  # "- New tasks for the game!": a list item's text
        start += m.end()
        text = text[m.end() :]
    if (m := _DATELINE_COLON.match(text)) is not None:
        start += m.end()
        text = text[m.end() :]
    if is_boilerplate(text, language) or _length(text, language) < 6 or "\n" in text:  # lines run together
        return None
    if not text.rstrip(_CLOSERS_ANY).endswith(_SENTENCE_ENDS):
        return None  # a heading, a list item, a teaser, a related link, a caption
    return start, end


def _length(text: str, language: str | None) -> int:
    """Words, as a reader of the language counts them (``len(text.split())`` in English)."""
    return len(text.split()) if is_english(language) else count_words(text)


def preprocess(
    text: str, n: int = 0, max_candidates: int = MAX_CANDIDATES, language: str | None = None
) -> Candidates:
    """Candidate sentences; when fewer than ``n`` pass the filters, the rest are let in too, so
    an article with at least ``n`` sentences always yields ``n`` candidates."""
    sentences = iter_sentences(text, language)
    seen = list(itertools.islice(sentences, max_candidates))
    chosen: dict[int, tuple[tuple[int, int], bool]] = {}
    for index, sentence in enumerate(seen):
        span = _point_span(sentence, language)
        if span is None:
            continue
        if not depends_on_context(text[span[0] : span[1]], language):
            chosen[index] = (span, True)
            continue
        before = chosen.get(index - 1)
        if before is not None and before[1]:  # lean on a standalone sentence of the same paragraph
            merged = (before[0][0], span[1])
            joined = text[merged[0] : merged[1]]
            if "\n" not in joined and _length(joined, language) <= MERGED_MAX_WORDS:
                chosen[index] = (merged, False)
    # A list article's items (first sentences under "1. ...", "2. ...") are read wherever they are.
    leads = _list_leads(text, n + 1, seen, sentences, chosen, language) if n else set()
    if len(chosen) < n and not is_english(language):
        # Another language: read on for sentences that pass the filters (a page's furniture, a
        # match's line-up, can fill the first lines) before letting in lines that do not.
        further = list(itertools.islice(sentences, READ_FURTHER * max_candidates))
        for index, sentence in enumerate(further, start=len(seen)):
            if len(chosen) >= n:
                break
            span = _point_span(sentence, language)
            if span is not None and not depends_on_context(text[span[0] : span[1]], language):
                chosen[index] = (span, True)
        seen += further
    if len(chosen) < n:  # too few passed the filters: let in the rest, reading further if need be
        for index, sentence in enumerate(itertools.chain(seen, sentences)):
            if len(chosen) >= n:
                break
            if (
                index not in chosen
                and any(ch.isalnum() for ch in sentence.text)
                and "\n" not in sentence.text
            ):
                if not depends_on_context(sentence.text, language):  # skipped, not shown dangling
                    mark = _LIST_MARK.match(sentence.text)  # "- New tasks!": the item's text
                    chosen[index] = ((sentence.start + (mark.end() if mark else 0), sentence.end), True)
    if all(_bare_quotation(text[s:e], language) for (s, e), _ in chosen.values()):
        # every statement leans on another (a story whose lede is missing): better than none
        for index, sentence in enumerate(seen):
            span = _point_span(sentence, language)
            if span is not None and not _bare_quotation(text[span[0] : span[1]], language):
                chosen.setdefault(index, (span, True))
                if len(chosen) >= n:
                    break
    order = sorted(chosen)
    return Candidates(
        tuple(chosen[i][0] for i in order),
        tuple(order),
        tuple(chosen[i][1] for i in order),
        tuple(i in leads for i in order) if leads else (),
    )


# An item of a numbered list: "1. Ditch the diet", "2) Don’t forget to drink water" on its own line.
_LIST_ITEM = re.compile(r"(?m)^[ \t]*(\d{1,2})[.)][ \t]+(\S[^\n]{0,100}?)[ \t]*$")
# A list article has at least this many items, numbered from 1 on.
MIN_LIST_ITEMS = 3
# How far a list article's items are read for their first sentences (sentences, not characters).
MAX_LIST_SENTENCES = 400


def _list_items(text: str) -> list[tuple[int, int]]:
    """The (start, end) of each item line of the article's numbered list, when it has one: the
    longest run numbered 1, 2, 3, ... of at least ``MIN_LIST_ITEMS`` items of at most 15 words."""
    best: list[tuple[int, int]] = []
    run: list[tuple[int, int]] = []
    for m in _LIST_ITEM.finditer(text):
        number, words = int(m.group(1)), len(m.group(2).split())
        if words > 15:
            continue
        if number == 1:
            run = [(m.start(), m.end())]
        elif run and number == len(run) + 1:
            run.append((m.start(), m.end()))
        else:
            continue
        if len(run) > len(best):
            best = list(run)
    return best if len(best) >= MIN_LIST_ITEMS else []


def _list_leads(
    text: str,
    k: int,
    seen: list[Sentence],
    sentences: Iterator[Sentence],
    chosen: dict[int, tuple[tuple[int, int], bool]],
    language: str | None,
) -> set[int]:
    """In a list article, the first sentence that reads on its own under each of the first ``k``
    items, added to ``chosen`` (reading on past ``seen``, which grows); their indices."""
    items = _list_items(text)[:k]
    leads: set[int] = set()
    index, item, read = 0, 0, len(seen)
    while item < len(items) and index < MAX_LIST_SENTENCES:
        if index >= len(seen):
            following = next(sentences, None)
            if following is None:
                break
            seen.append(following)
        sentence = seen[index]
        index += 1
        while item + 1 < len(items) and sentence.start >= items[item + 1][0]:
            item += 1  # an item with no sentence of its own: the next one's
        if sentence.start < items[item][1]:
            continue  # above the item, or the item's own line
        if index - 1 < read:  # ``preprocess`` has read it: a sentence that reads on its own is chosen
            if not chosen.get(index - 1, ((0, 0), False))[1]:
                continue
        else:
            span = _point_span(sentence, language)
            if span is None or depends_on_context(text[span[0] : span[1]], language):
                continue
            chosen[index - 1] = (span, True)
        leads.add(index - 1)
        item += 1
    return leads


# -- stage 2 ------------------------------------------------------------------------------------


def forward(encoder: SentenceEncoder, text: str, candidates: Candidates, hints: Hints) -> np.ndarray:
    """Embeddings of the candidates, then of the headline and the standfirst when given."""
    items = [text[s:e] for s, e in candidates.spans]
    items += [h for h in (hints.title, hints.description) if h]
    if not items:
        return np.zeros((0, 0), dtype=np.float32)
    return encoder.encode(items)


# -- stage 3 ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Scored:
    emb: np.ndarray
    """One row per candidate."""
    base: np.ndarray
    """Point score: centrality, position, headline, length."""
    tldr: np.ndarray
    """TL;DR score: centrality, position, headline and standfirst."""
    told: np.ndarray
    """Cosine to the headline (0 without one)."""


def _score(emb: np.ndarray, candidates: Candidates, text: str, hints: Hints, w: Scoring) -> _Scored:
    n = len(candidates.spans)
    sent, extra = emb[:n], emb[n:]
    centroid = sent.mean(axis=0)
    centrality = sent @ (centroid / (float(np.linalg.norm(centroid)) or 1.0))
    prior = np.exp(-np.asarray(candidates.positions, dtype=np.float32) / w.position_decay)
    guide = (sent @ extra.T).max(axis=1) if len(extra) else np.zeros(n, dtype=np.float32)
    title = sent @ extra[0] if hints.title and len(extra) else np.zeros(n, dtype=np.float32)
    lengths = np.asarray([_length(text[s:e], hints.language) for s, e in candidates.spans], dtype=np.float32)
    over = np.clip(lengths / w.length_target - 1.0, 0.0, None)
    base = w.centrality * centrality + w.position * prior + w.headline * title - w.length_penalty * over
    if candidates.leads:
        base = base + w.list_item * np.asarray(candidates.leads, dtype=np.float32)
    steep = np.exp(-np.asarray(candidates.positions, dtype=np.float32) / w.tldr_position_decay)
    tldr = w.centrality * centrality + w.tldr_position * steep + w.tldr_headline * guide
    return _Scored(sent, base, tldr, title)


# A lead-in before a colon that calls out to the reader or announces ("Barbie collectors mark your
# calendars: This Saturday, ...", "Good news for commuters: ..."): what follows the colon may be
# the TL;DR, by deletion. Not a label ("Shooter: ...", a boilerplate caption) or a reported
# statement ("Police said: ...").
_LEAD_IN = re.compile(r"^(?=[^:]*\b[a-z]{2,}\b)(?:[^:;.!?\"“”‘’'\s]+\s+){2,9}[^:;.!?\"“”‘’'\s]+:\s+(?=[A-Z])")
_REPORTED = re.compile(
    r"\b(?:said|says|say|told|tells|added|adds|wrote|writes|announced|declared|explained|stated|insisted|"
    r"warned|tweeted|posted)\b",
    re.I,
)


def _after_lead_in(text: str, span: Span) -> int | None:
    """Where the sentence after a lead-in starts, or None when ``text[span]`` has none."""
    s, e = span
    m = _LEAD_IN.match(text[s:e])
    if m is None or _REPORTED.search(m.group()):
        return None
    rest = text[s + m.end() : e]
    return s + m.end() if len(rest.split()) >= 8 and _unfit_whole(rest) is None else None


def _choose_tldr(
    text: str, candidates: Candidates, scored: _Scored, hints: Hints
) -> tuple[int, KeyPoint] | None:
    """The candidate index and TL;DR: the best-scoring sentence of the lede that says what
    happened, shortened by deletion when long; past the lede only if the lede has none."""
    lang = hints.language
    english = is_english(lang)
    order = sorted(range(len(candidates.spans)), key=lambda i: -scored.tldr[i])
    lede = [i for i in order if candidates.positions[i] < TLDR_WINDOW]
    rest = [i for i in order if candidates.positions[i] >= TLDR_WINDOW]
    fit: dict[int, KeyPoint] = {}
    for i in lede + rest:
        s, e = candidates.spans[i]
        if not candidates.standalone[i]:
            continue
        if _unfit_whole(text[s:e], lang):
            if not english or (after := _after_lead_in(text, (s, e))) is None:
                continue
            s = after  # "Barbie collectors mark your calendars: | This Saturday, the very first ..."
        if hints.title and repeats(hints.title, text[s:e], lang) and repeats(text[s:e], hints.title, lang):
            continue  # the headline again, word for word: the title line says it already
        if (tldr := _shortened(text, (s, e), lang)) is not None:
            if english and _leans_as_tldr(tldr.text):
                continue  # "this bar", "those payments" in what is shown
            fit[i] = tldr
            if not hints.title:
                return i, tldr
    if fit:  # with a headline: a sentence a little further down that says it much better wins
        first = next(iter(fit))
        better = [
            i
            for i in fit
            if candidates.positions[i] < TLDR_WINDOW_HEADLINED
            and scored.told[i] >= scored.told[first] + HEADLINE_MARGIN
        ]
        i = min(better, key=lambda i: candidates.positions[i]) if better else first
        return i, fit[i]
    # No sentence passes every rule (a review, a listing, an odd page): the best one that is at
    # least a statement of some length, so there is always a TL;DR when there is text.
    for i in lede + rest:
        s, e = candidates.spans[i]
        body = text[s:e]
        if body.rstrip().endswith("?") or is_boilerplate(body, lang) or _bare_quotation(body, lang):
            continue
        if not english and _unfit_whole(body, lang) in _NOT_STATEMENTS:
            continue
        if (tldr := _shortened(text, (s, e), lang)) is not None:
            return i, tldr
    return None


_PARENTHESIS = re.compile(r"\s*[(（][^()（）]{1,120}[)）]")


def _without_asides(text: str, span: Span) -> tuple[Span, ...]:
    """``span`` without its parentheses ("(PIRATEN)", "(Digital Services Act)"): a deletion that
    leaves a sentence in any language. None are cut from a sentence that quotes someone."""
    s, e = span
    if any(mark in text[s:e] for mark in _QUOTE_MARKS_ANY if mark != "'"):
        return without_citations(text, (span,))
    pieces, at = [], s
    for m in _PARENTHESIS.finditer(text, s, e):
        pieces.append((at, m.start()))
        at = m.end()
    pieces.append((at, e))
    return without_citations(text, tuple((a, b) for a, b in pieces if b > a))


def _shortened(text: str, span: Span, language: str | None = None) -> KeyPoint | None:
    """``text[span]`` as a TL;DR of at most ``TLDR_MAX_WORDS``: whole, or shortened by deletion
    (the strict cuts first, the loose ones as a last resort); None when it cannot be. In another
    language, whole or without its parentheses, or not at all: the other cuts are English clause
    rules."""
    if not is_english(language):
        for pieces in (without_citations(text, (span,)), _without_asides(text, span)):
            shown = "".join(text[a:b] for a, b in pieces)
            if count_words(shown) <= TLDR_MAX_WORDS:
                return KeyPoint(shown, pieces)
        return None
    pieces = shorten(text, span, TLDR_MAX_WORDS) or shorten(text, span, TLDR_MAX_WORDS, loose=True)
    if pieces is None:
        return None
    pieces = without_citations(text, pieces)
    return KeyPoint("".join(text[a:b] for a, b in pieces), pieces)


_SURNAME_START = re.compile(
    r"^[\"“‘'(]*(?:(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.?\s+)?([A-Z][a-z][\w’'-]*)(?=,|\s+[a-z])"
)


def _unintroduced(body: str, text: str, context: str) -> bool:
    """True when ``body`` opens on a surname alone ("King, who...", "Mr. Hatfield calls it") that the
    article gives in full elsewhere, and the reader has not met: not in the headline or TL;DR."""
    m = _SURNAME_START.match(body)
    if m is None:
        return False
    name = m.group(1)
    if name in context or re.search(rf"\b{re.escape(name.lower())}\b", text):
        return False  # met already, or a common noun ("Police said ...": "police" is in the text too)
    return re.search(rf"\b[A-Z][a-z][\w’'-]*\s+{re.escape(name)}\b", text) is not None


def _allowed(text: str, candidates: Candidates, i: int, tldr: KeyPoint | None, hints: Hints) -> bool:
    """Whether candidate ``i`` may be a point beside ``tldr``. Another language gets the rules
    that carry over: no unintroduced-surname or teaser list, and a point must end a sentence."""
    s, e = candidates.spans[i]
    body, lang = text[s:e], hints.language
    english = is_english(lang)
    if english and _unintroduced(body, text, f"{hints.title or ''} {tldr.text if tldr else ''}"):
        return False  # the reader would not know who that is
    if any(a < e and s < b for a, b in hints.reserved):
        return False  # holds a quote shown below
    if _bare_quotation(body, lang) or body.rstrip().endswith(("?",) if english else _QUESTION_OR_TEASER_ENDS):
        return False  # a quotation, a teaser question
    if english and _TEASER.match(body.lstrip(_QUOTE_MARKS + " ")):  # "Here are 15 tips ...", "Welcome to"
        return False
    outside = _unquoted(body, lang)
    if english and (
        _POINTS_BACK.search(outside)
        or _NO_COMMENT.search(body)
        or _unanchored_time(body)
        or _MET_SOURCE.search(outside)
    ):
        return False  # "those benefit payments": which ones; "declined to comment": no fact; "a year earlier"
    if not english and not body.rstrip(_CLOSERS_ANY).endswith(_SENTENCE_ENDS):
        return False  # a heading, a list item
    personal = _rules(lang).first_person
    if personal is not None and personal.search(outside):
        return False  # "I turned around and ...": the writer's own story
    if tldr is not None:
        if any(a < e and s < b for a, b in tldr.spans):
            return False
        if repeats(body, tldr.text, lang) or repeats(tldr.text, body, lang):  # the TL;DR again, or more
            return False
    return not (hints.title and repeats(body, hints.title, lang))


def choose(
    text: str,
    candidates: Candidates,
    scored: _Scored,
    n: int,
    tldr: tuple[int, KeyPoint] | None,
    hints: Hints,
    w: Scoring,
) -> list[int]:
    """Indices of up to ``n`` candidates, best first (the order maximal marginal relevance picks
    them in): a prefix of a longer choice is the shorter choice."""
    if not candidates.spans or n <= 0:
        return []
    point = tldr[1] if tldr else None
    allowed = [i for i in range(len(candidates.spans)) if _allowed(text, candidates, i, point, hints)]
    lang = hints.language
    short = [i for i in allowed if _length(text[slice(*candidates.spans[i])], lang) <= MAX_POINT_WORDS]
    chosen: list[int] = []
    anchors = [tldr[0]] if tldr else []
    for pool in (short, allowed):  # long points only when the short ones run out
        available = [i for i in pool if i not in chosen]
        while available and len(chosen) < n:
            # a sentence and the pair it leans in: never both (their embeddings may differ enough)
            available = [i for i in available if not any(_overlap(candidates, i, j) for j in chosen)]
            if not available:
                break
            base = scored.base[available]
            against = anchors + chosen
            if against:
                overlap = (scored.emb[available] @ scored.emb[against].T).max(axis=1)
                score = np.where(overlap > DUPLICATE_COSINE, -np.inf, base - w.redundancy * overlap)
                if np.isneginf(score).all():
                    break
            else:
                score = base
            best = available[int(np.argmax(score))]
            chosen.append(best)
            available.remove(best)
    return chosen


def _overlap(candidates: Candidates, i: int, j: int) -> bool:
    (a, b), (c, d) = candidates.spans[i], candidates.spans[j]
    return a < d and c < b


def _point(text: str, candidates: Candidates, i: int) -> KeyPoint:
    pieces = without_citations(text, (candidates.spans[i],))
    return KeyPoint(text="".join(text[a:b] for a, b in pieces), spans=pieces)


def _ranked(
    emb: np.ndarray, candidates: Candidates, text: str, n: int, hints: Hints, w: Scoring
) -> tuple[KeyPoint | None, list[int]]:
    """The TL;DR and the indices of up to ``n`` points, best first. When nothing reads as a
    TL;DR, the best point is the closest thing (shortened if it can be)."""
    if not candidates.spans:
        return None, []
    scored = _score(emb, candidates, text, hints, w)
    tldr = _choose_tldr(text, candidates, scored, hints)
    chosen = choose(text, candidates, scored, n if tldr else n + 1, tldr, hints, w)
    if tldr is None and chosen:
        best = chosen.pop(0)
        span = candidates.spans[best]
        return _shortened(text, span, hints.language) or KeyPoint(text[slice(*span)], (span,)), chosen
    return (tldr[1] if tldr else None), chosen


def postprocess(
    emb: np.ndarray, candidates: Candidates, text: str, n: int, hints: Hints, w: Scoring
) -> KeyPointResult:
    tldr, chosen = _ranked(emb, candidates, text, n, hints, w)
    return KeyPointResult(tuple(_point(text, candidates, i) for i in sorted(chosen)), tldr)


def select_key_points(
    text: str,
    encoder: SentenceEncoder,
    n: int,
    *,
    title: str | None = None,
    hints: Hints | None = None,
    scoring: Scoring = Scoring(),
) -> KeyPointResult:
    """A TL;DR and ``n`` key points beside it, in article order (fewer when the article has
    fewer candidates)."""
    hints = hints or Hints(title=title)
    candidates = preprocess(text, n + 1, language=hints.language)
    emb = forward(encoder, text, candidates, hints)
    return postprocess(emb, candidates, text, n, hints, scoring)


def rank_key_points(
    text: str,
    encoder: SentenceEncoder,
    n: int,
    *,
    title: str | None = None,
    hints: Hints | None = None,
    scoring: Scoring = Scoring(),
) -> tuple[KeyPoint | None, tuple[KeyPoint, ...]]:
    """The TL;DR and the points ``select_key_points`` would show, best first rather than in
    article order: what an abstractive summarizer falls back on, one point at a time."""
    hints = hints or Hints(title=title)
    candidates = preprocess(text, n + 1, language=hints.language)
    emb = forward(encoder, text, candidates, hints)
    tldr, chosen = _ranked(emb, candidates, text, n, hints, scoring)
    return tldr, tuple(_point(text, candidates, i) for i in chosen)
