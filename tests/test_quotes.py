"""Quoted statements: one hand-written case per rule, plus the dev gold as a quality floor."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.core.types import Quote
from models.quotes import extract_quotes

EVAL_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "eval"


def only(text: str, **kwargs: int) -> Quote:
    quotes = extract_quotes(text, **kwargs)
    assert len(quotes) == 1, quotes
    return quotes[0]


def texts(text: str) -> list[str]:
    return [q.text for q in extract_quotes(text)]


# --- mark styles ---------------------------------------------------------------------------------


def test_curly_double_quotes_with_said_after_the_name() -> None:
    article = "“We will rebuild the bridge by spring,” said Maria Lopez, the city's mayor."
    q = only(article)
    assert (q.text, q.speaker, q.verb) == ("We will rebuild the bridge by spring,", "Maria Lopez", "said")
    assert article[q.start : q.end] == q.text


def test_straight_double_quotes_with_name_before_said() -> None:
    q = only('"The river has never been this high," Tom Baker said on Sunday.')
    assert (q.text, q.speaker, q.verb) == ("The river has never been this high,", "Tom Baker", "said")


def test_curly_single_quotes_daily_mail_style() -> None:
    q = only("Jane Doe, 45, said: ‘I have never seen anything like it in my life.’ She left soon after.")
    assert (q.text, q.speaker, q.verb) == (
        "I have never seen anything like it in my life.",
        "Jane Doe",
        "said",
    )


def test_straight_single_quotes_daily_mail_style() -> None:
    q = only("'We don't know where the money went,' said Peter Hill.")
    assert (q.text, q.speaker, q.verb) == ("We don't know where the money went,", "Peter Hill", "said")


def test_guillemets() -> None:
    q = only("Anna Berg said: «We are ready for the final tomorrow.»")
    assert (q.text, q.speaker, q.verb) == ("We are ready for the final tomorrow.", "Anna Berg", "said")


def test_german_low_high_quotes() -> None:
    q = only("Klaus Meyer said: „We will win the game tomorrow.“ The fans cheered.")
    assert (q.text, q.speaker) == ("We will win the game tomorrow.", "Klaus Meyer")


def test_new_york_times_double_apostrophes_with_he_said() -> None:
    article = (
        "Senator Ann Cole spoke in Ohio. ''The idea was the Democrats', not ours, and they know it,'' "
        "she said."
    )
    q = only(article)
    assert (q.text, q.speaker, q.verb) == (
        "The idea was the Democrats', not ours, and they know it,",
        "Ann Cole",
        "said",
    )
    assert (q.start, q.end) == (article.index("The idea"), article.index(",''") + 1)
    assert article[q.start : q.end] == q.text


def test_new_york_times_double_apostrophes_with_said_before_the_name() -> None:
    article = "''It's the owners' fault, not the players' union's,'' said Tom Reed, who leads it."
    q = only(article)
    assert (q.text, q.speaker, q.verb) == (
        "It's the owners' fault, not the players' union's,",
        "Tom Reed",
        "said",
    )
    assert (q.start, q.end) == (2, article.index(",''") + 1)


def test_three_apostrophes_close_a_nested_single_quote_then_the_double_apostrophe_quote() -> None:
    article = "Ann Cole spoke in Ohio. ''The voters told me, 'We are tired of waiting,''' she said."
    q = only(article)
    assert (q.text, q.speaker, q.verb) == (
        "The voters told me, 'We are tired of waiting,'",
        "Ann Cole",
        "said",
    )
    assert q.end == article.index("''' she") + 1


def test_single_apostrophes_are_never_double_apostrophe_marks() -> None:
    article = (
        "It's over for the players' union in the Joneses' town. The '90s are gone. "
        "Mr. Reed said ''the league's owners say 'tis the season to wait and see,'' and left."
    )
    q = only(article)
    assert q.text == "the league's owners say 'tis the season to wait and see,"
    assert (q.speaker, q.verb) == ("Reed", "said")
    assert extract_quotes(article[: article.index(" Mr.")]) == []


def test_doubled_opening_mark_starts_after_both() -> None:
    q = only("The captain joked: ‘’Who brought the umbrellas for the picnic?’")
    assert q.text == "Who brought the umbrellas for the picnic?"


# --- apostrophes ---------------------------------------------------------------------------------


def test_apostrophes_inside_speech_do_not_end_it() -> None:
    article = (
        "Gary Locke's side don't expect a quick fix. 'The bankers' bonus tax has been around since "
        "the '90s and we don't think it works,' Locke said."
    )
    q = only(article)
    assert q.text == "The bankers' bonus tax has been around since the '90s and we don't think it works,"
    assert (q.speaker, q.verb) == ("Gary Locke", "said")


def test_apostrophes_alone_make_no_quotes() -> None:
    article = (
        "Locke's players don't train on Sundays, a habit from the '90s. The bankers' pay rise was "
        "rejected and the Joneses' house is for sale. O'Neill's shop isn't open."
    )
    assert extract_quotes(article) == []


# --- spans ---------------------------------------------------------------------------------------


def test_quote_over_several_paragraphs_is_one_quote() -> None:
    article = (
        "Sarah Jones said: 'The first paragraph ends here. 'The second paragraph goes on and "
        "finishes now.' The council did not respond."
    )
    q = only(article)
    assert q.text == "The first paragraph ends here. 'The second paragraph goes on and finishes now."
    assert q.speaker == "Sarah Jones"


def test_double_apostrophe_quote_over_several_paragraphs_is_one_quote() -> None:
    article = (
        "Sarah Jones said: ''The first paragraph ends here. ''The second paragraph goes on and "
        "finishes now.'' The council did not respond."
    )
    q = only(article)
    assert q.text == "The first paragraph ends here. ''The second paragraph goes on and finishes now."
    assert (q.start, q.speaker) == (article.index("The first"), "Sarah Jones")
    assert article[q.start : q.end] == q.text


def test_paragraph_breaks_bound_quotes_and_split_a_multi_paragraph_quote() -> None:
    article = (
        "Fire chief Mark Evans spoke at dawn.\n\n"
        "\u201cThe first paragraph ends here.\n\n"
        "\u201cThe second paragraph goes on and finishes now,\u201d he said.\n\n"
        "\u201cThis one never closes.\n\n"
        "The council did not respond to questions on Monday."
    )
    assert [(q.text, q.speaker, q.verb) for q in extract_quotes(article)] == [
        ("The first paragraph ends here.", "Mark Evans", "said"),
        ("The second paragraph goes on and finishes now,", "Mark Evans", None),
        ("This one never closes.", "Mark Evans", None),
    ]


def test_nested_quote_is_not_separate() -> None:
    q = only("Ann Lee said: 'My mother always told me \"never give up on a dream\" and I never did.'")
    assert q.text == 'My mother always told me "never give up on a dream" and I never did.'
    assert q.speaker == "Ann Lee"


def test_single_quote_nested_in_single_quoted_speech() -> None:
    article = (
        "Tom Reed said: 'It was a long night. I was just thinking, 'Why me?', and then I laughed "
        "about it with my friends.' The club declined to comment."
    )
    q = only(article)
    assert q.text == (
        "It was a long night. I was just thinking, 'Why me?', and then I laughed about it with my friends."
    )
    assert q.speaker == "Tom Reed"


def test_unclosed_paragraph_stops_before_a_caption() -> None:
    article = (
        "Jo Kent said: 'We moved here in May. My family loves the town and we will stay. "
        "Jo Kent pictured at her home in Leeds 'We are very happy here,' she added."
    )
    first, second = extract_quotes(article)
    assert (first.text, first.speaker) == (
        "We moved here in May. My family loves the town and we will stay.",
        "Jo Kent",
    )
    assert (second.text, second.speaker, second.verb) == ("We are very happy here,", "Jo Kent", "added")


def test_quote_with_no_closing_mark_ends_at_its_sentence() -> None:
    article = (
        "Officials issued a warning. "
        '"We will not accept any further delays to this project. The board meets on Monday.'
    )
    q = only(article)
    assert q.text == "We will not accept any further delays to this project."
    assert article[q.start : q.end] == q.text


def test_question_quote() -> None:
    q = only('"Why did nobody warn us about the flood?" asked resident Paul Grant.')
    assert (q.text, q.speaker, q.verb) == ("Why did nobody warn us about the flood?", "Paul Grant", "asked")


# --- statements only -----------------------------------------------------------------------------


def test_titles_nicknames_terms_and_scare_quotes_are_left_out() -> None:
    article = (
        'The film "The Long Road Home" opened on Friday. The striker, nicknamed "The Flying '
        'Dutchman of Leeds", scored twice. He refused to use the phrase "a clear and present '
        'danger" in his speech. It was the "power of the people" without any of the duty.'
    )
    assert extract_quotes(article) == []


def test_short_quotes_are_left_out_unless_min_words_allows() -> None:
    article = 'Mark Reed said the result was "very good news" for the town.'
    assert extract_quotes(article) == []
    q = only(article, min_words=3)
    assert (q.text, q.speaker, q.verb) == ("very good news", "Mark Reed", "said")


def test_a_chinese_quote_over_two_paragraphs_keeps_both_paragraphs() -> None:
    # No spaces between Chinese words: each paragraph is counted in characters, not split().
    article = "李明说：「我们明年一定会重建这座大桥。\n「工程将在春天开始，资金已经到位。」"
    quotes = extract_quotes(article, language="zh")
    assert [q.text for q in quotes] == ["我们明年一定会重建这座大桥。", "工程将在春天开始，资金已经到位。"]
    assert all(article[q.start : q.end] == q.text for q in quotes)


@pytest.mark.parametrize(
    ("article", "said"),
    [
        (
            "“Tonight we have a special guest to play for us (pointing at the drummer) and he is very "
            "good,” said Tom Hale.",
            ["Tonight we have a special guest to play for us", "and he is very good,"],
        ),
        (  # too little before the stage direction: what follows it is the statement
            "“Honestly? (Laughs) I never thought the council would give us the money,” Amy Ross said.",
            ["I never thought the council would give us the money,"],
        ),
    ],
)
def test_a_stage_direction_inside_a_quote_is_cut_away(article: str, said: list[str]) -> None:
    quotes = extract_quotes(article)
    assert [q.text for q in quotes] == said
    assert all(article[q.start : q.end] == q.text for q in quotes)
    assert quotes[0].verb == "said" and {q.speaker for q in quotes} == {quotes[0].speaker}


def test_a_stage_direction_with_no_statement_beside_it_is_not_shown() -> None:
    article = "“Well, no, (laughs) not at all,” said Tom Hale, the mayor, on Friday night."
    q = only(article)
    assert "(laughs)" in q.text and q.confidence is not None and q.confidence < 0.8


def test_editorial_words_in_brackets_stay_in_the_quote() -> None:
    article = "“He [the president] has never once been to the region before,” said Amy Ross."
    assert only(article).text == "He [the president] has never once been to the region before,"


# --- speakers and verbs --------------------------------------------------------------------------


def test_split_quote_gives_two_quotes_with_one_speaker() -> None:
    article = (
        'Fire chief Mark Evans arrived at dawn. "We did everything we could," he said, '
        '"but the storm was simply too strong."'
    )
    first, second = extract_quotes(article)
    assert (first.text, first.speaker, first.verb) == ("We did everything we could,", "Mark Evans", "said")
    assert (second.text, second.speaker, second.verb) == (
        "but the storm was simply too strong.",
        "Mark Evans",
        "said",
    )


def test_appositive_and_role_noun_resolve_to_the_full_name() -> None:
    article = (
        '"The talks were constructive," Dmitry Peskov, the Kremlin spokesman, said. Markets rose. '
        '"We will respond in due course," the spokesman told reporters. Later Peskov said: '
        '"There is nothing more to add today."'
    )
    quotes = extract_quotes(article)
    assert [(q.speaker, q.verb) for q in quotes] == [
        ("Dmitry Peskov", "said"),
        ("Dmitry Peskov", "told reporters"),
        ("Dmitry Peskov", "said"),
    ]


def test_possessive_appositive_is_not_the_speaker() -> None:
    article = (
        'Dmitry Peskov, Putin\'s spokesman, said: "We have no plans to change our position on this." '
        'Markets fell. Peskov, the Kremlin\'s spokesman, said "Nothing has changed since last week." '
        'Later Peskov said: "There is nothing more to add today."'
    )
    assert [(q.speaker, q.verb) for q in extract_quotes(article)] == [("Dmitry Peskov", "said")] * 3
    q = only('"We have no plans to change our position on this," said Dmitry Peskov, Putin\'s spokesman.')
    assert (q.speaker, q.verb) == ("Dmitry Peskov", "said")


def test_a_person_tied_to_another_name_is_not_that_name() -> None:
    article = (
        "Mark Brown was charged on Monday. "
        '"We will appeal against this ruling today," said Brown\'s lawyer. '
        'Brown\'s lawyer, John Smith, said: "My client has done nothing wrong at all." '
        '"We need answers now and we need them today," said the mother of Mark Brown.'
    )
    assert [q.speaker for q in extract_quotes(article)] == [
        "Brown's lawyer",
        "John Smith",
        "the mother of Mark Brown",
    ]
    q = only('"We will appeal against this ruling today," said the head of the union, Anna Kowalski.')
    assert q.speaker == "Anna Kowalski"


@pytest.mark.parametrize(
    ("article", "speaker", "verb"),
    [
        ('"@everyone this is a very important message for all," wrote the user.', "the user", "wrote"),
        ('"This is the best night of my whole life," posted one fan after the match.', "one fan", "posted"),
        ('"We are deeply sorry for the disruption caused," tweeted the company.', "the company", "tweeted"),
        (
            '"Officers attended the scene shortly after midnight," said a spokesman for the police.',
            "a spokesman for the police",
            "said",
        ),
        ('"Were you at home on the night of the fire?" asked the judge.', "the judge", "asked"),
    ],
)
def test_inverted_attribution_to_a_description(article: str, speaker: str, verb: str) -> None:
    q = only(article)
    assert (q.speaker, q.verb) == (speaker, verb)


def test_inverted_description_resolves_to_the_person_with_that_role() -> None:
    article = (
        'Judge Mary Lee heard the case. "Were you at home on the night of the fire?" asked the judge. '
        'The witness paused. "Why does that matter to anyone here?" she asked the jury.'
    )
    assert [(q.speaker, q.verb) for q in extract_quotes(article)] == [
        ("Mary Lee", "asked"),
        ("Mary Lee", "asked"),
    ]


def test_statement_from_a_body_is_that_body() -> None:
    q = only('"The rules on visas will change next spring," according to a statement from the Home Office.')
    assert (q.speaker, q.verb) == ("Home Office", "according to")
    q = only('The Bank of England said: "Rates will stay where they are for now."')
    assert q.speaker == "Bank of England"


def test_titles_are_dropped_and_month_names_can_be_names() -> None:
    article = (
        'The vote is in May. Prime Minister Theresa May said: "We will make a success of it all." '
        '"Talks start on May 5 and we are ready," May said. Brian Cox of Leeds United spoke later. '
        '"We were simply not good enough today," said the Prime Minister.'
    )
    assert [q.speaker for q in extract_quotes(article)] == ["Theresa May"] * 3
    q = only('June Smith visited Leeds in June. She said: "We will make a success of it all."')
    assert q.speaker == "June Smith"
    q = only('Tom Price of Leeds United said: "Rates will stay where they are for now."')
    assert q.speaker == "Tom Price"


def test_according_to() -> None:
    q = only('"Prices will rise again next year," according to Helen Ward, an economist at the bank.')
    assert (q.speaker, q.verb) == ("Helen Ward", "according to")


def test_pronoun_resolves_to_the_person_just_named() -> None:
    article = (
        "Police chief Robert Hale met residents of Elm Street on Tuesday. "
        '"We are taking every single report seriously," he said.'
    )
    assert (only(article).speaker, only(article).verb) == ("Robert Hale", "said")


def test_age_role_noun_resolves_to_the_person_described() -> None:
    article = (
        "Emma Clarke, 39, won the race in record time ahead of Lucy Hart. "
        '"I trained harder than ever this year," the 39-year-old told the BBC.'
    )
    q = only(article)
    assert (q.speaker, q.verb) == ("Emma Clarke", "told the BBC")


def test_continuation_quote_keeps_the_speaker_with_no_verb() -> None:
    article = (
        '"The vote was a disaster for us," said Linda Moss. She left the hall soon after. '
        '"We lost every seat we were defending."'
    )
    first, second = extract_quotes(article)
    assert (first.speaker, first.verb) == ("Linda Moss", "said")
    assert (second.speaker, second.verb) == ("Linda Moss", None)


def test_quote_right_after_its_attribution_keeps_the_verb() -> None:
    article = "'It has been a long season,' Sam Price admitted. 'But we are still standing here.'"
    _, second = extract_quotes(article)
    assert (second.speaker, second.verb) == ("Sam Price", "admitted")


def test_unattributed_quote_has_no_speaker() -> None:
    article = (
        "Heavy rain is expected across the region this weekend. "
        '"It was like nothing I had ever seen before." Forecasters expect more storms.'
    )
    q = only(article)
    assert (q.text, q.speaker, q.verb) == ("It was like nothing I had ever seen before.", None, None)


def test_indefinite_description_is_kept_when_never_named() -> None:
    q = only("A police spokesman said: 'Enquiries are continuing and we urge witnesses to come forward.'")
    assert (q.speaker, q.verb) == ("a police spokesman", "said")


# --- attribution forms of US political news (PolNeAR dev) --------------------------------------


def test_a_title_with_a_full_stop_does_not_end_the_attribution() -> None:
    q = only("Intro.\n\n''The American people are like a great composer,'' Mr. Clinton said.")
    assert (q.speaker, q.verb) == ("Clinton", "said")
    assert q.confidence is not None and q.confidence >= 0.8  # "Mr. Clinton" makes "Clinton" a name


def test_an_abbreviated_title_and_a_party_label_before_said() -> None:
    q = only("“We will not pass this bill in its current form,” Sen. Ted Cruz (R-Texas) said Tuesday.")
    assert (q.speaker, q.verb) == ("Ted Cruz", "said")


@pytest.mark.parametrize("verb", ["answered", "pressed", "retorted", "cautioned"])
def test_more_reporting_verbs_after_the_quote(verb: str) -> None:
    q = only(
        f"Donald Trump spoke.\n\n“Would it be negotiable about the 11 million people?” Sean Hannity {verb}."
    )
    assert (q.speaker, q.verb) == ("Sean Hannity", verb)


def test_a_nested_closing_mark_with_a_space_before_the_outer_one() -> None:
    article = "“I had my hands thrown up, sort of, ‘Don’t hit me, please,' ” Jack Nicklaus said Sunday."
    q = only(article)
    assert (q.speaker, q.verb) == ("Jack Nicklaus", "said")


def test_a_progressive_reporting_verb_after_is() -> None:
    article = (
        "“We need every one of you at the polls,” said Tim Kaine.\n\n"
        "Hillary Clinton is telling customers at a popular breakfast spot that “I need you tomorrow.”"
    )
    assert [q.speaker for q in extract_quotes(article)] == ["Tim Kaine", "Hillary Clinton"]


def test_a_leading_as_or_but_is_not_part_of_the_name() -> None:
    q = only("As Michael Dell said last week in Tel Aviv, “Israel is the center of the digital future.”")
    assert q.speaker == "Michael Dell"


def test_narration_that_leads_into_a_quote_names_its_speaker_over_the_last_speaker() -> None:
    article = (
        "“We will fight for every vote in this state,” said Peter Thiel.\n\n"
        "When Donald Trump later took the stage, he turned to the crowd, “We will protect our citizens.”"
    )
    first, second = extract_quotes(article)
    assert first.speaker == "Peter Thiel"
    assert second.speaker == "Donald Trump"


def test_a_dash_credit_after_the_quote_names_the_speaker() -> None:
    article = (
        "“His hateful words make me afraid for the future of us all.” ― Krystal Correa\n"
        "“He can not even answer a question without scaring people.” ― Esther Tapia\n\n"
        'Intro.\n\n"Great speech. She is tested. She is ready."\n\n-President Barack Obama, tweeting after.\n'
    )
    assert [(q.speaker, q.verb) for q in extract_quotes(article)] == [
        ("Krystal Correa", None),
        ("Esther Tapia", None),
        ("Barack Obama", None),
    ]


def test_a_dash_after_a_quote_with_narration_is_not_a_credit() -> None:
    q = only('"We will win this one for sure," - and then he left the room.')
    assert q.speaker is None


def test_a_transcript_line_names_its_speaker_and_a_name_inside_narration_is_not_shown() -> None:
    article = (
        'Intro.\n\nRep. Trey Gowdy (R-S.C.):"I have not heard anyone other than you cite that figure."\n\n'
        "The timing does not surprise Republican pollster Daron Shaw: “Lesser-known candidates win early.”"
    )
    transcript, narrated = extract_quotes(article)
    assert (transcript.speaker, transcript.confidence) == ("Trey Gowdy", 0.95)
    assert narrated.speaker == "Daron Shaw"
    assert narrated.confidence is not None and narrated.confidence < 0.8  # may be who is addressed


def test_a_title_and_office_before_the_name_are_not_the_name() -> None:
    article = (
        "Secretary of State John Kerry spoke first.\n\n"
        "“We will keep talking to all the parties,” Mr. Kerry said.\n\n"
        "“We will not give up on a ceasefire,” said Secretary of State John Kerry."
    )
    assert [q.speaker for q in extract_quotes(article)] == ["John Kerry", "John Kerry"]


def test_an_abbreviated_title_starts_the_subject_of_a_participle() -> None:
    q = only(
        "Mr. Cruz seemed to mock his vague talk, saying at one point, “The answer is not simply to yell.”"
    )
    assert (q.speaker, q.verb) == ("Cruz", "saying")
    q = only("Ohio Gov. John Kasich quit Wednesday, telling supporters that “the Lord will show me the way.”")
    assert q.speaker == "John Kasich"


def test_a_person_of_a_place_is_the_person() -> None:
    q = only("“We will keep talking to all the parties,” Tom Smith of North Carolina said.")
    assert q.speaker == "Tom Smith"


def test_a_plural_noun_before_an_auxiliary_is_not_a_reporting_verb() -> None:
    article = (
        "Cruz said Thursday in Buffalo, New York, that states can pass such laws because “men should not go.”"
    )
    q = only(article)
    assert (q.speaker, q.verb) == ("Cruz", "said")


def test_an_attribution_that_closes_the_sentence_covers_its_quotes() -> None:
    article = (
        "Guns are “the ultimate public health crisis” and “stunt the growth of our children,” "
        "Howard Dean, the former governor of Vermont, proclaimed to a cheering crowd."
    )
    assert [(q.speaker, q.verb) for q in extract_quotes(article)] == [("Howard Dean", "proclaimed")] * 2


def test_a_closing_clause_needs_a_reporting_verb_set_off_by_a_comma() -> None:
    q = only("The crowd chanted “lock her up right now” as Jones waved and Smith said nothing to them.")
    assert q.verb is None
    assert q.speaker not in ("Jones", "Smith")


def test_a_quote_over_paragraphs_is_one_quote_per_paragraph() -> None:
    article = (
        "Intro.\n\n"
        "“We were never told what the council had planned for the harbour,” said Harriet Blake.\n\n"
        "Later she added: “I came here to fish, and my father fished here before me.\n\n"
        "“Nobody asked us, and nobody will ask us now.”\n\nThe council declined to comment."
    )
    quotes = extract_quotes(article)
    assert [(q.text, q.speaker, q.verb) for q in quotes[1:]] == [
        ("I came here to fish, and my father fished here before me.", "Harriet Blake", "added"),
        ("Nobody asked us, and nobody will ask us now.", "Harriet Blake", None),
    ]
    assert all(article[q.start : q.end] == q.text for q in quotes)


def test_a_sentence_end_that_lost_its_space_still_ends_the_sentence() -> None:
    article = (
        "Records show the company was set up in 2002 by Samir Patel, who set up the charity in 2010."
        'The documents say the charity would help "the needs of current and ex-offenders in the city".'
    )
    q = only(article)
    assert q.confidence is not None and q.confidence < 0.8  # not "Samir Patel ... 2010.The documents say"


def test_a_new_sentence_after_an_exclamation_is_not_the_quotes_attribution() -> None:
    article = (
        "Jacqueline Caterina, 33, added that she has seen an improvement to her acne scars since starting to "
        "regularly visit Skin Therapy: 'After a couple of weeks I was like, \"Wow!\"' However,  NYC-based "
        "plastic surgeon Dr. Norman Rowe told the Post that he questions the effectiveness of the treatments."
    )
    assert (only(article).speaker, only(article).verb) == ("Jacqueline Caterina", "added")


def test_the_place_an_envoy_is_sent_to_is_not_part_of_the_name() -> None:
    article = (
        "Another diplomat, former special envoy to Ukraine Kurt Volker, changed his account.\n\n"
        "“I think all of us thought it was inappropriate,” Volker said."
    )
    assert only(article).speaker == "Kurt Volker"


def test_a_spokeswoman_for_a_body_with_and_in_its_name_is_not_its_name_tail() -> None:
    article = (
        "A spokeswoman for the Department for Communities and Local Government said councils were "
        'responsible for "rigorously safe-guarding taxpayers\' money, with dedicated inspection teams".'
    )
    q = only(article)
    assert q.speaker != "Local Government"
    assert q.confidence is not None and q.confidence < 0.8  # a description: not shown


# --- attribution structures across newsrooms (issue 11) ------------------------------------------


@pytest.mark.parametrize(
    ("article", "speaker"),
    [
        # a place that ends the description of the name, not the subject
        (
            "Tom Reyes, a 40-year-old farmer from Macon, Georgia, says the senator will "
            "“come back here with real momentum.”",
            "Tom Reyes",
        ),
        (
            "“The county will need new roads very soon,” Stacy Bell of Columbia, South Carolina, says.",
            "Stacy Bell",
        ),
        (
            "“I just do not think she has been truthful with us,” Cecelia Harmon, 67, a retired nurse in "
            "Allentown, Pa., said in an interview.",
            "Cecelia Harmon",
        ),
        (
            "“Both of the candidates really do scare me,” Harry Bolt, 30, of Raleigh, N.C., who was "
            "polled, said in an interview.",
            "Harry Bolt",
        ),
        # a party and home, or a party and state tag
        (
            "“We have had better years than this one by far,” Representative Carla Ruiz, Democrat of "
            "New Mexico, said of the budget.",
            "Carla Ruiz",
        ),
        (
            "“We have had better years than this one by far,” Senate leader Mark Tully, R-Ky., said.",
            "Mark Tully",
        ),
    ],
)
def test_a_place_or_party_after_the_name_is_not_the_speaker(article: str, speaker: str) -> None:
    q = only(article)
    assert q.speaker == speaker


def test_a_place_at_the_sentence_start_can_still_precede_the_subject() -> None:
    q = only("In Washington, Obama Reyes said: “We will not stop until the job is done.”")
    assert q.speaker == "Obama Reyes"
    after = (
        "Soon after the mayor was booed at a breakfast in Philadelphia, Tim Canova wrote to his "
        "followers, “It is time to end her political career for good.”"
    )
    assert only(after).speaker == "Tim Canova"


def test_a_surname_with_a_lowercase_particle_is_a_name() -> None:
    article = (
        "Anna de Brito stepped in: If the board would meet on June 3, de Brito wrote, "
        "“I will open the hall for your meeting myself.”"
    )
    q = only(article)
    assert (q.speaker, q.verb) == ("Anna de Brito", "wrote")


def test_a_relative_clause_between_the_name_and_the_verb() -> None:
    q = only(
        "“I do not believe in the plan and never have,” Walsh Barker, who has not backed anyone, "
        "told reporters in Ohio."
    )
    assert (q.speaker, q.verb) == ("Walsh Barker", "told reporters")


def test_a_short_first_part_of_a_split_quote_carries_its_speaker_to_the_second() -> None:
    article = (
        "“The danger,” said Maria Olsen, an economist who runs the Midwest Forecast, "
        "“is that we will lose the plant and the jobs with it.”"
    )
    q = only(article)
    assert (q.text, q.speaker) == ("is that we will lose the plant and the jobs with it.", "Maria Olsen")


def test_a_short_quote_with_its_own_attribution_carries_its_speaker_to_the_next() -> None:
    article = (
        "Voters like Ann Ruiz came early. Yet Ann Ruiz is also a “change agent,” Bill Hanley said. "
        "“That is exactly what people want right now.”"
    )
    assert only(article).speaker == "Bill Hanley"


def test_a_quote_without_a_comma_before_its_mark_is_attributed_by_a_plain_clause() -> None:
    article = "“The county race is a contest of small groups” Ed Hanley said on Monday."
    assert (only(article).speaker, only(article).verb) == ("Ed Hanley", "said")
    appositive = "“Our numbers since January put us on pace” Jeff Weaver, the campaign manager, said."
    assert only(appositive).speaker == "Jeff Weaver"


def test_a_quote_without_a_comma_followed_by_a_new_sentence_has_no_speaker() -> None:
    q = only("“Dogs and cats living together in the town” The mayor Ed Hanley then left the room.")
    assert q.speaker is None


@pytest.mark.parametrize(
    ("clause", "verb"),
    [
        ("an angry Ed Hanley retaliated.", "retaliated"),
        ("Ed Hanley charged in his reply.", "charged"),
        ("Ed Hanley shot back.", "shot back"),
    ],
)
def test_a_name_and_an_unlisted_past_tense_verb_after_a_comma_quote(clause: str, verb: str) -> None:
    q = only(f"“They were never going to win that seat anyway,” {clause}")
    assert (q.speaker, q.verb) == ("Ed Hanley", verb)


def test_a_name_and_an_unlisted_verb_before_a_colon() -> None:
    q = only("And Mr. Chris Tobin gloated: “I told you he would not be ready for this.”")
    assert (q.speaker, q.verb) == ("Chris Tobin", "gloated")


def test_as_a_name_put_it() -> None:
    article = (
        "Or, as Tom Ridge, a former secretary of homeland security, put it: "
        "“The barbarians are no longer at the gate.”"
    )
    q = only(article)
    assert (q.speaker, q.verb) == ("Tom Ridge", "put it")
    assert q.confidence is not None and q.confidence >= 0.8
    assert only("He put it on the table. “We will see what happens next week.”").verb is None


@pytest.mark.parametrize(
    "article",
    [
        "“The best thing has been a new resilience” like the recent swings in markets, said Richard "
        "Curt, the chief economist for the survey.",
        "“Campaigns are having real trouble raising money” but to take the lead, says Richard Curt, "
        "a media consultant.",
        "Because of how the party drew up the calendar, explained Richard Curt, “with this thing over "
        "by March, there is a real chance.”",
        "“The odds are more likely than not that there will be a ruling,” said another lawyer, "
        "Richard Curt of the firm Mayer Brown.",
    ],
)
def test_said_then_the_name_closing_or_opening_the_sentence(article: str) -> None:
    assert only(article).speaker == "Richard Curt"


def test_a_participle_after_a_quote_hangs_on_the_subject_not_the_quoted_words() -> None:
    article = (
        "In the email, Ash Carter described the move as a “major breach of trust,” adding: "
        "“I am now informing all of our committee members of this.”"
    )
    assert [q.speaker for q in extract_quotes(article)] == ["Ash Carter", "Ash Carter"]


def test_a_sentence_ends_before_a_double_apostrophe_mark() -> None:
    article = (
        "Charlie King, a former party director, spoke first. ''If there is a drop in the vote in "
        "Ohio, that is 60 votes,'' Mr. King said. ''No one has captured the real dilemma here.''"
    )
    speakers = [q.speaker for q in extract_quotes(article)]
    assert speakers == ["Charlie King", "Charlie King"]


@pytest.mark.parametrize(("title", "full"), [("King", "Charlie King"), ("Prince", "Matthew Prince")])
def test_a_surname_that_is_also_a_title_after_mr(title: str, full: str) -> None:
    article = f"{full} runs the firm. ''It is risky to put them into politics,'' Mr. {title} said."
    q = only(article)
    assert (q.speaker, q.confidence) == (full, 0.95)


def test_the_bench_reads_a_surname_that_is_also_a_title_as_a_name() -> None:
    from bench.quotes_bench import same_speaker

    assert same_speaker("Charlie King", "King") and same_speaker("Mr. King", "King")
    assert not same_speaker("Larry Page", "King")
    assert not same_speaker("the President", "President Obama")


def test_initials_do_not_end_a_sentence() -> None:
    article = (
        "The caucus opposes the change. CBC Chairman G.K. Butterfield of North Carolina said he was "
        "“outraged” to even hear about it, arguing that “eliminating them would be unfair to us.”"
    )
    q = only(article)
    assert (q.speaker, q.confidence) == ("G.K. Butterfield", 0.95)


@pytest.mark.parametrize(
    "article",
    [
        "Michael Petrill, president of the Fordham Institute, tied those scores to higher graduation "
        "rates, saying the law helped “millions of kids who would have dropped out of school.”",
        "Attorney General Michael Petrill (D), the governor's opponent in the race, called Friday for "
        "releasing the videos, as well, saying that openness “breaks down barriers and brings progress.”",
        "Comey cannot say that “from his perspective,” Michael Petrill added, saying it should be “up to "
        "the prosecutor to move forward or not.”",
        "Michael Petrill unleashed a series of posts early Friday saying that his rival had used the "
        "contest “as a paragon of virtue and nothing else.”",
    ],
)
def test_a_participle_hangs_on_the_subject_of_its_clause(article: str) -> None:
    assert only(article).speaker == "Michael Petrill"


def test_a_verb_after_but_shares_the_first_clause_subject() -> None:
    article = (
        "Thomas Massey used to support fellow Kentuckian Rand Paul, but now said the nominee had "
        "“the opportunity and the obligation to bring us together.”"
    )
    assert only(article).speaker == "Thomas Massey"


def test_a_reporting_word_used_as_a_noun_is_not_the_verb() -> None:
    article = (
        "Party Chairman Reince Prebus called Clinton's remarks a “new low” and a “bizarre attempt to "
        "deflect attention from her donors.”"
    )
    assert only(article).speaker == "Reince Prebus"


def test_the_agent_of_a_passive_reporting_verb_speaks() -> None:
    article = (
        "Sanders was asked by host Bill Maher, who backs him, “Now, you famously said you were tired "
        "of hearing about the emails?”"
    )
    q = only(article)
    assert (q.speaker, q.verb) == ("Bill Maher", "asked")


def test_a_byline_after_a_quote_does_not_override_the_verb_leading_into_it() -> None:
    article = (
        "Mariano Rajoy said Monday that he will try to form a government and insisted that his party "
        'was "still the No. 1 force in Spain."--Kim Hjelm.'
    )
    q = only(article)
    assert (q.speaker, q.verb) == ("Mariano Rajoy", "insisted")


def test_a_role_after_an_opening_place_and_time_is_the_subject() -> None:
    article = "The council met. In Leeds on Monday, the mayor said: “We will rebuild the bridge by spring.”"
    assert only(article).speaker == "the mayor"
    named = (
        "Mayor Ann Roe opened the hall. At the hall in Hudson, Ohio Monday, the mayor said: "
        "“We will rebuild the bridge by spring.”"
    )
    assert only(named).speaker == "Ann Roe"  # "Ohio Monday" is no name the role describes


def test_an_appositive_with_and_or_many_words_between_the_name_and_said() -> None:
    short = "“I would not discount the commercial motives,” Mr. Kaplan, a writer and former executive, said."
    assert only(short).speaker == "Kaplan"
    long = (
        "“Nothing we could do now would make a difference,” Fred Kagan, director of the Threats "
        "Project at the hawkish American Enterprise Institute, said in an interview."
    )
    assert only(long).speaker == "Fred Kagan"
    assert only("“It will not work at all,” he paused, and said nothing more.").speaker is None


def test_a_described_speaker_is_the_one_person_of_that_age() -> None:
    article = (
        "A 14-year-old girl plotted with her boyfriend, texting him hours before, 'I want her gone "
        "for good,' police said. Jamie Lee was charged. Jamie Lee (left), 14, and Tom Barnes, 20, met online."
    )
    assert only(article).speaker == "Jamie Lee"
    two = (
        "A 14-year-old girl plotted with her boyfriend, texting him hours before, 'I want her gone "
        "for good,' police said. Jamie Lee, 14, and Ann Roe, 14, met online."
    )
    assert only(two).speaker == "a 14-year-old girl"


def test_a_chain_of_sentences_opening_with_it_keeps_its_referent() -> None:
    article = (
        "The memo, written by the Research Service, says that ties “have weakened over the years.” "
        "It also states that the UK's importance will hinge on its economy. "
        "It reads: 'A significant degree of the influence flows from the economy.'"
    )
    assert [q.speaker for q in extract_quotes(article)] == ["Research Service", "Research Service"]


def test_a_chain_of_sentences_opening_with_he_keeps_its_referent() -> None:
    article = (
        "Tom Hill came in first. He then sat down with Ken Roe for an hour. "
        "He said: 'We will rebuild it by spring, whatever it costs.'"
    )
    q = only(article)
    assert q.speaker == "Tom Hill"
    assert q.confidence is not None and q.confidence < 0.8  # Ken Roe is in play too


def test_told_then_a_name_is_the_listener_not_the_speaker() -> None:
    article = (
        "Back in 1999, Mr. Tromp praised his retail political skills, telling CNBC: "
        "“I wish I could be like that. I just can't.”"
    )
    q = only(article)
    assert (q.speaker, q.verb) == ("Tromp", "telling CNBC")
    told = "Dick Dever, who was on the slate, told POLITICO, “Of the three, I like John Kasich the best.”"
    assert only(told).speaker == "Dick Dever"


def test_a_state_abbreviation_after_a_town_does_not_end_the_attribution() -> None:
    article = (
        "“I would have been sitting in Siberia for years,” Mr. Daniloff, now 81 and retired in "
        "Cambridge, Mass., said by telephone. “I have got to tell you about being arrested.”"
    )
    assert [q.speaker for q in extract_quotes(article)] == ["Daniloff", "Daniloff"]


@pytest.mark.parametrize(
    ("article", "speaker", "role"),
    [
        ("“We will not back down from this fight at all,” said Det. Ann Lee.", "Ann Lee", "Det."),
        ("“We will not back down from this fight at all,” said Lt. Cmdr. Ann Lee.", "Ann Lee", "Lt. Cmdr."),
        ("“We will not back down from this fight at all,” Supt. Ann Lee said.", "Ann Lee", "Supt."),
        (
            "Sens. Ann Lee and Tom Hale met the rebels. “We will stand with them for as long as it "
            "takes,” Lee said.",
            "Ann Lee",
            None,  # a title for two people is no one's role
        ),
    ],
)
def test_an_abbreviated_title_the_names_know_does_not_end_the_name(
    article: str, speaker: str, role: str | None
) -> None:
    # One list of abbreviations for the sentence splitter, the attribution clause and the name
    # runs: "Det.", "Cmdr.", "Supt.", "Sens." are titles, not sentence ends.
    q = only(article)
    assert (q.speaker, q.speaker_role) == (speaker, role)


def test_a_plural_possessive_in_the_appositive_does_not_end_the_attribution() -> None:
    article = (
        "“This campaign is changing American politics,” Jeff Weaver, Sanders' campaign manager, "
        "said in a statement. “What we are showing is that we can run a strong campaign.”"
    )
    assert [q.speaker for q in extract_quotes(article)] == ["Jeff Weaver", "Jeff Weaver"]


@pytest.mark.parametrize(
    "article",
    [
        "But Sen. Richard Durbin (D-Ill.), noting the size of Sanders's following, said, "
        "“Let me tell you, he has got a heck of an email list.”",
        "Richard Durbin, during a town hall in Columbus, Ohio, said he was “going to put a lot of "
        "miners out of business.”",
        "Richard Durbin, who lives outside the state capital, Sacramento, said he still “prays that "
        "Bernie ends up the nominee.”",
    ],
)
def test_what_comes_between_the_name_and_said_is_not_the_subject(article: str) -> None:
    assert only(article).speaker == "Richard Durbin"


def test_a_sentence_opening_but_that_continues_the_report_before_it() -> None:
    article = (
        "Gordon Brown has warned the nationalists. The former prime minister said that their "
        "answers on the issue are 'all evasion'. But that her party want 'chaos and constitutional "
        "crisis' at Westminster to force a vote."
    )
    assert only(article).speaker == "Gordon Brown"
    pronoun = (
        "Gordon Brown has warned the nationalists. The former prime minister said that the answers "
        "are evasive. But that was before 'the whole thing fell apart for everyone' last week."
    )
    assert only(pronoun).speaker is None  # "that" is the subject here, not "said that" again


def test_the_agent_of_a_passive_verb_keeps_its_role_out_of_the_name() -> None:
    article = (
        "Rubio Lane was asked by Fox Business moderator Gerard Baker whether his plan would risk "
        "“adding another expensive entitlement program to the budget.”"
    )
    q = only(article)
    assert (q.speaker, q.speaker_role) == ("Gerard Baker", "Fox Business moderator")


@pytest.mark.parametrize(
    "article",
    [
        'Remarking upon Bill Clinton\'s "genuine empathy," Ken Starr said, "Leave aside the '
        'unpleasantness, his empathy is clear."',
        'Mills "got an immunity agreement," Starr said, and still "got to sit in on the interview with '
        'the FBI." Ken Starr chairs the panel.',
    ],
)
def test_the_name_after_a_short_quote_is_the_subject(article: str) -> None:
    assert [q.speaker for q in extract_quotes(article)][-1] == "Ken Starr"


def test_the_name_before_quoted_words_in_the_subject_is_the_subject() -> None:
    article = (
        "Bernie Sanders spoke first. Hillary Clinton supports “appropriate pay raises,” opposes "
        "“arbitrary pay freezes” and recalled the pay freeze: “I saw how hard it was for them.”"
    )
    assert extract_quotes(article)[-1].speaker == "Hillary Clinton"


def test_a_name_and_an_unlisted_verb_with_its_object_after_a_comma_quote() -> None:
    article = (
        "Ann Lee spoke. “Your reputation is amazing,” Tim Rolf assured Jones, after Jones praised "
        "him. “I will not let you down.”"
    )
    assert [q.speaker for q in extract_quotes(article)] == ["Tim Rolf", "Tim Rolf"]


def test_a_mark_left_before_the_name_is_not_part_of_it() -> None:
    article = (
        "The Hill reported it.\n\n“He is always calling me ‘Little Marco.’ I admit, he is taller "
        "than me; he is like 6’2”,” Rubio said Sunday in Virginia as the crowd roared."
    )
    assert only(article).speaker == "Rubio"


def test_an_attribution_never_starts_in_the_next_paragraph() -> None:
    article = (
        '"Is that all there is?" Tim Lane said. "We need a new president, and we need one fast!"\n\n'
        "Sen. Marco Rubio, R-Fla., appearing on television after the speech, said Obama failed."
    )
    assert [q.speaker for q in extract_quotes(article)] == ["Tim Lane", "Tim Lane"]


def test_a_subject_after_a_colon_in_the_same_sentence() -> None:
    article = (
        "Editor's Note: An article on Monday about Tashfeen Malik reported that she had "
        "''talked openly on social media about it''."
    )
    assert only(article).speaker == "an article on Monday about Tashfeen Malik"


def test_a_quote_relayed_by_another_outlet_is_not_sure() -> None:
    from models.quotes import ACCORDING_TO_CONFIDENCE

    article = "“Do not protest on the floor, I ask you,” Bernie Sanders said, according to CNN."
    q = only(article)
    assert (q.speaker, q.confidence) == ("Bernie Sanders", ACCORDING_TO_CONFIDENCE)


@pytest.mark.parametrize(
    ("who", "name"),
    [
        ("House Speaker Paul Ryan", "Paul Ryan"),
        ("Democrat Elijah Cummings", "Elijah Cummings"),
        ("Fox News’ Sean Hannity", "Sean Hannity"),
        ("Actor Clint Howard", "Clint Howard"),
        ("the Democratic National Convention", "Democratic National Convention"),
        ("the Republican National Committee", "Republican National Committee"),
    ],
)
def test_a_role_party_or_outlet_before_a_name_is_not_part_of_it(who: str, name: str) -> None:
    assert only(f"“We will fight this bill all the way,” {who} said.").speaker == name


def test_an_office_of_the_house_before_a_name() -> None:
    article = (
        "Ryan spoke. Speaker of the House Rep. Paul Ryan (R-WI) said “anti-Semitic images, they "
        "have got no place in a campaign.”"
    )
    assert only(article).speaker == "Paul Ryan"


# --- how sure the speaker is (issue 11) -----------------------------------------------------------


def test_a_quote_right_after_a_named_attribution_is_as_sure_as_the_one_before() -> None:
    from models.quotes import NAMED_CONFIDENCE

    article = (
        "“We will rebuild the bridge by spring,” Mayor Ann Lee told reporters. "
        "“Nobody in this town should have to drive an hour to work.”"
    )
    first, second = extract_quotes(article)
    assert (second.speaker, second.confidence) == ("Ann Lee", NAMED_CONFIDENCE)
    assert first.confidence == NAMED_CONFIDENCE


def test_a_quote_opening_the_next_paragraph_stays_a_guess() -> None:
    from models.quotes import CONTINUATION_CONFIDENCE

    article = (
        "“We will rebuild the bridge by spring,” Mayor Ann Lee told reporters.\n\n"
        "“Nobody in this town should have to drive an hour to work.”"
    )
    second = extract_quotes(article)[1]
    assert (second.speaker, second.confidence) == ("Ann Lee", CONTINUATION_CONFIDENCE)


def test_he_said_with_one_person_in_play_is_sure() -> None:
    from models.quotes import PRONOUN_CONFIDENCE

    article = (
        "The bridge closed in March. Mayor Tom Price visited the site on Monday. "
        "He said: “We will rebuild it by spring, whatever it costs.”"
    )
    q = only(article)
    assert (q.speaker, q.confidence) == ("Tom Price", PRONOUN_CONFIDENCE)


def test_he_said_with_two_people_in_play_is_not_shown() -> None:
    from models.quotes import RESOLVED_CONFIDENCE

    article = (
        "Mayor Tom Price visited the site on Monday with his deputy, Ken Hill. "
        "He said: “We will rebuild it by spring, whatever it costs.”"
    )
    q = only(article)
    assert q.confidence == RESOLVED_CONFIDENCE


# --- speaker roles -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("article", "speaker", "role"),
    [
        (
            "Secretary of State John Kerry arrived.\n\n“We will keep talking to them,” Mr. Kerry said.",
            "John Kerry",
            "Secretary of State",
        ),
        (
            "“This is a very critical week for us,” said GOP strategist Keith Nahigian.",
            "Keith Nahigian",
            "GOP strategist",
        ),
        (
            "“Their strategy is clear,” Michael McFaul, a senior fellow at the Hoover Institution, said.",
            "Michael McFaul",
            "a senior fellow at the Hoover Institution",
        ),
        (
            "“We have a duty to act,” said James Acton, a physicist who is co-director of the program.",
            "James Acton",
            "a physicist",
        ),
        (
            "Ohio Gov. John Kasich quit, telling supporters that “the Lord will show me the way.”",
            "John Kasich",
            "Ohio Gov.",
        ),
    ],
)
def test_the_speakers_role_is_the_articles_own_words(article: str, speaker: str, role: str) -> None:
    q = only(article)
    assert (q.speaker, q.speaker_role) == (speaker, role)
    assert role in article


@pytest.mark.parametrize(
    ("article", "speaker", "role"),
    [
        (
            "Prince Andrew arrived at the lodge on Monday. Later, Andrew told her: "
            "“I have never met that woman in my life.”",
            "Prince Andrew",
            None,
        ),
        (
            "Pope Leo visited the camp at dawn.\n\n“No one should be left behind in this crisis,” Leo said.",
            "Pope Leo",
            None,
        ),
        (
            "Chief Constable Sir Mark Rowley spoke in Leeds. “We will not stop until they are all "
            "caught,” Rowley said. “Every one of them,” Mark Rowley added, “will face a court.”",
            "Sir Mark Rowley",
            "Chief Constable",
        ),
        (
            "The Duchess of Kent opened the ward.\n\n“We must all work together for these children,” "
            "the duchess said.",
            "Duchess of Kent",
            None,
        ),
        (
            "Lord Chancellor Anna Grey toured the court. “Judges deserve far more than we give them,” "
            "Grey said.",
            "Anna Grey",
            "Lord Chancellor",
        ),
        (  # a surname that is also a title, after a first name, is no title
            "Representative Peter T. King spoke first. “It is not going to be easy for anyone,” "
            "Mr. King said.",
            "Peter T. King",
            "Representative",
        ),
    ],
)
def test_a_royal_or_honorific_title_stays_with_the_name(article: str, speaker: str, role: str | None) -> None:
    # The fullest earlier mention names the speaker; "Prince", "Sir", "Pope" are how a reader
    # knows them, while a job title ("Chief Constable", "Lord Chancellor") is the role.
    quotes = extract_quotes(article)
    assert quotes
    assert {(q.speaker, q.speaker_role) for q in quotes} == {(speaker, role)}


@pytest.mark.parametrize(
    "article",
    [
        "“Their strategy is very clear to us,” said Mr. Smith.",  # a form of address is no role
        "“We will keep talking to all the parties,” said Donald Trump, who won the state.",
        "“We will keep talking to all the parties,” said Donald Trump, appearing after the debate.",
        "Voters asked whether Donald Trump would go.\n\n“We will keep talking to all of them,” Trump said.",
        "“They are not welcome here at all,” said Pat Ingles, 69, from Leeds.",
    ],
)
def test_no_role_when_the_text_gives_none(article: str) -> None:
    assert only(article).speaker_role is None


# --- names with a capital beyond A-Z -------------------------------------------------------------


def test_a_name_that_starts_with_an_accented_capital_after_said() -> None:
    q = only('"We will win the match on Sunday," said Émile Zola, the coach.')
    assert (q.speaker, q.verb, q.speaker_role) == ("Émile Zola", "said", "the coach")


def test_a_lone_surname_with_an_accented_capital_before_said() -> None:
    # read as "Ozil said" is: the name, at the low confidence of a lone unknown word
    assert only('"We will win on Sunday," Özil said.').speaker == "Özil"
    assert only('"We will win on Sunday," Ozil said.').speaker == "Ozil"


def test_an_accented_surname_is_part_of_the_name() -> None:
    from models.quotes import NAMED_CONFIDENCE

    q = only('"We will win the match on Sunday," said Mesut Özil.')
    assert (q.speaker, q.confidence) == ("Mesut Özil", NAMED_CONFIDENCE)
    q = only('"We will win the match on Sunday," Makrus Åsberg said.')
    assert (q.speaker, q.confidence) == ("Makrus Åsberg", NAMED_CONFIDENCE)


def test_a_title_before_an_accented_name_is_its_role() -> None:
    q = only('"Turkey will not accept this proposal at all," said Foreign Minister Mevlüt Çavuşoğlu.')
    assert (q.speaker, q.speaker_role) == ("Mevlüt Çavuşoğlu", "Foreign Minister")


def test_an_accented_surname_alone_resolves_to_the_earlier_full_name() -> None:
    article = (
        "The officer, Makrus Åsberg, arrived at noon. "
        '"We came here for a quiet holiday by the lake," Åsberg said.'
    )
    assert only(article).speaker == "Makrus Åsberg"


@pytest.mark.parametrize(
    ("article", "speaker"),
    [
        ('"The talks in Brussels went very well indeed," said Maroš Šefčovič.', "Maroš Šefčovič"),
        (
            '"We have to be patient with the young players," Łukasz Fabiański told reporters.',
            "Łukasz Fabiański",
        ),
        ('Ángel Di María said: "We played our best football of the season tonight."', "Ángel Di María"),
        ('"We are not afraid of the verdict at all," said Ömer Çelik, a spokesman.', "Ömer Çelik"),
        (
            'Éric Zemmour spoke in Lyon. "France must decide who it wants to be," Zemmour told them.',
            "Éric Zemmour",
        ),
        (
            'Åsa Lindqvist runs the bakery. "Business has never been better than this year," she said.',
            "Åsa Lindqvist",
        ),
        ('"Our budget will be balanced by the end of the year," said Mr. Ørsted.', "Ørsted"),
    ],
)
def test_latin_capitals_beyond_ascii_start_names(article: str, speaker: str) -> None:
    assert only(article).speaker == speaker


# --- the dev gold --------------------------------------------------------------------------------

needs_eval = pytest.mark.skipif(
    not (EVAL_DIR / "quotes" / "dev.jsonl").is_file(),
    reason=f"evaluation data not found at {EVAL_DIR} (a sibling checkout of shared/eval)",
)


@needs_eval
def test_dev_gold_quality_floor() -> None:
    from bench.quotes_bench import score

    result = score(EVAL_DIR)
    assert result["f1"] >= 0.85, result
    assert result["speaker_accuracy"] >= 0.80, result


@needs_eval
def test_every_quote_is_a_verbatim_slice_of_every_dev_article() -> None:
    with open(EVAL_DIR / "summarization" / "dev.jsonl", encoding="utf-8") as f:
        articles = [json.loads(line)["article"] for line in f]
    assert articles
    for article in articles:
        for q in extract_quotes(article):
            assert article[q.start : q.end] == q.text
            assert len(q.text.split()) >= 4


def test_a_surname_never_takes_the_name_of_the_institute_named_after_its_bearer() -> None:
    text = (
        "In 2006, the biologist formed the Harriet Okafor Institute to build the first synthetic cell. "
        "Dr Okafor has roamed the oceans in her yacht, collecting microbes for the project. "
        '"I think they are going to start a new industrial revolution," Dr Okafor said of the cells.'
    )
    (quote,) = extract_quotes(text)
    assert quote.speaker is not None and "Institute" not in quote.speaker


def test_a_caption_in_brackets_run_into_the_sentence_is_not_part_of_the_speaker() -> None:
    text = (
        "Fighters travel there for the Front (pictured, a fighter from the linked militant group) The panel "
        "said the fighters \u2018pose an immediate and long-term threat\u2019 to many countries."
    )
    quotes = extract_quotes(text)
    assert quotes and all(")" not in (q.speaker or "") for q in quotes)


def test_a_place_at_the_end_of_a_description_after_the_name_is_not_the_speaker() -> None:
    text = (
        "Four friends stopped a beating on a train. 'We came here for a holiday. We are no heroes, just "
        "tourists,' Markus Berg, a detective with Uppsala Police, Sweden, told the Post."
    )
    (quote,) = extract_quotes(text)
    assert quote.speaker == "Markus Berg"


@pytest.mark.parametrize(
    ("text", "speaker", "role"),
    [
        (
            'Many Clouds won the Gold Cup trial in 2015.Trainer Oliver Sherwood said: "He was the horse of a '
            'lifetime and we will miss him."',
            "Oliver Sherwood",
            "Trainer",
        ),
        (
            'The match ended 2-0. Coach Harry Kane said: "We deserved the win today and we know it."',
            "Harry Kane",
            "Coach",
        ),
        (
            'He spoke after. Lt. Gen. John Smith said: "We deserved the win today and we know it."',
            "John Smith",
            "Lt. Gen.",
        ),
    ],
)
def test_a_sports_role_is_a_role_and_never_reaches_into_the_sentence_before(
    text: str, speaker: str, role: str
) -> None:
    (quote,) = extract_quotes(text)
    assert (quote.speaker, quote.speaker_role) == (speaker, role)
