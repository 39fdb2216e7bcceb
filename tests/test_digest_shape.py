"""The rules of a digest a busy channel wants to read (issue 10), each on small texts written for
the tests: TL;DR choice and length, standalone points, no repeats across sections, quotes cut to
fit, the word budget, short articles."""

from __future__ import annotations

import itertools

import pytest

from bot.core.compose import DIGEST_MAX_WORDS, digest_words, fit, mark_shown, shown_text
from bot.core.extract import article_from_text
from bot.core.pipeline import Digester
from bot.core.render import digest_to_json, digest_to_markdown
from bot.core.types import DigestOptions, KeyPoint, Quote
from models.keypoints import (
    depends_on_context,
    is_boilerplate,
    select_key_points,
    tldr_unfit,
)
from models.quotes import extract_quotes
from models.shorten import shorten
from models.summarizer import ExtractiveSummarizer

from .conftest import BagOfWordsEncoder

STORY = (
    "Is this the end of the sea wall?\n"
    "Councillors in Port Ellis voted 9 to 2 on Thursday to replace the crumbling sea wall with an "
    "oyster reef. "
    "It will cost £14 million, most of it from a national coastal fund. "
    "Work is expected to begin in September and to take three years. "
    "The old wall, built in 1962, was breached twice last winter, flooding forty homes. "
    '"We can keep pouring concrete, or we can build something that grows," said Harriet Blake, '
    "the council's leader. "
    "Fishermen fear the works will close the harbour mouth during the summer season. "
    '"It is not magic, and it is not instant," said Tomasz Nowak, a marine ecologist who advised '
    "the council. "
    "Read more: our full coverage of the coastal floods."
)


def digest_of(text: str, **options: object):
    digester = Digester(None, ExtractiveSummarizer(BagOfWordsEncoder()), extract_quotes)
    return digester.digest_article(article_from_text(text), DigestOptions(**options))  # type: ignore[arg-type]


# -- the TL;DR ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "why"),
    [
        ("Is this the end of the sea wall as we know it?", "a question or teaser"),
        ('"We will rebuild it stronger than before," said the mayor.', "a quotation"),
        ("He also said the council would look at the cost again.", "leans on another sentence"),
        ("But the plan was approved by nine votes to two.", "leans on another sentence"),
        ("In that year the wall was breached twice by storms.", "leans on another sentence"),
        ("The Latest: councillors vote on the future of the sea wall.", "a rubric or feature opening"),
        ("Imagine a town where the sea comes up the high street.", "a rubric or feature opening"),
        ("I have lived by this wall for forty years and never seen this.", "first or second person"),
        ("Here is everything you need to know:", "a question or teaser"),
    ],
)
def test_what_can_never_be_a_tldr(sentence: str, why: str) -> None:
    assert tldr_unfit(sentence) == why


def test_a_news_lede_can_be_a_tldr() -> None:
    assert tldr_unfit("Councillors in Port Ellis voted 9 to 2 on Thursday to replace the sea wall.") is None
    assert tldr_unfit("This year's festival drew a record crowd of 40,000 people to the harbour.") is None


def test_the_tldr_says_what_happened_and_is_never_a_point() -> None:
    digest = digest_of(STORY)
    assert digest.tldr.startswith("Councillors in Port Ellis voted 9 to 2")
    assert all(digest.tldr not in p.text for p in digest.key_points)
    assert "".join(digest.article.text[s:e] for s, e in digest.tldr_spans) == digest.tldr


def test_a_long_tldr_is_shortened_by_deletion_only() -> None:
    text = (
        "Councillors in Port Ellis (pictured) voted 9 to 2 on Thursday night to replace the town's "
        "crumbling concrete sea wall with a hybrid barrier of rock, oyster reef and salt marsh, after "
        "two winters of flooding that reached the high street."
    )
    pieces = shorten(text, (0, len(text)), 30)
    assert pieces is not None
    short = "".join(text[a:b] for a, b in pieces)
    assert short == (
        "Councillors in Port Ellis voted 9 to 2 on Thursday night to replace the town's crumbling "
        "concrete sea wall with a hybrid barrier of rock, oyster reef and salt marsh."
    )
    assert len(short.split()) <= 30
    assert [a for a, _ in pieces] == sorted(a for a, _ in pieces)  # order kept


def test_a_verb_taking_an_infinitive_is_a_predicate_to_shorten_to() -> None:
    text = (
        "A city skin clinic's popular new laser treatment promises to tighten skin and improve complexion - "
        "if clients are brave enough to sign a waiver releasing their personal details to a funeral "
        "director and a coroner first."
    )
    pieces = shorten(text, (0, len(text)), 30, loose=True)
    assert pieces is not None
    assert "".join(text[a:b] for a, b in pieces) == (
        "A city skin clinic's popular new laser treatment promises to tighten skin and improve complexion."
    )
    listed = (
        "Within the intimate shopping space, personal stylists work one-on-one with clients to create looks "
        "from designers including Stella McCartney, Proenza Schouler, Missoni, J Brand and Chloe."
    )
    assert shorten(listed, (0, len(listed)), 24, loose=True) is None  # "clients to create": not a verb


def test_a_sentence_that_cannot_be_cut_cleanly_is_not_shortened() -> None:
    text = " ".join(["word"] * 40) + "."
    assert shorten(text, (0, len(text)), 30) is None
    inside = (
        'The mayor said "we will not, under any circumstances, let the sea take this town away from us" ' * 2
    )
    assert shorten(inside.strip(), (0, len(inside.strip())), 20) is None  # never cut inside a quotation


# -- key points ----------------------------------------------------------------------------------


def test_points_read_on_their_own() -> None:
    assert depends_on_context("He also said the plan would work.")
    assert depends_on_context("That year, the wall was breached twice.")
    assert depends_on_context("however, the council disagreed.")
    assert not depends_on_context("The council approved the plan on Tuesday.")
    text = (
        "The harbour council approved a new sea wall plan on Tuesday night after a long debate. "
        "Fishermen worried about the works closing the harbour mouth during the busy season. "
        "He also said the town would hold an open meeting next month to answer questions. "
        "The plan costs four million pounds, most of it from a national coastal fund."
    )
    result = select_key_points(text, BagOfWordsEncoder(), 3)
    assert all(not p.text.startswith("He also") for p in result.points)
    # a dependent sentence may come with the one it leans on, as one traceable span
    for p in result.points:
        ((s, e),) = p.spans
        assert text[s:e] == p.text


def test_no_point_is_boilerplate_a_quote_shown_below_or_a_bare_quotation() -> None:
    assert is_boilerplate("Read more: our full coverage of the coastal floods.")
    assert is_boilerplate("Shooter: Terry Martin, 48, pictured in this 2012 mugshot.")
    assert not is_boilerplate("The council approved the plan on Tuesday night.")
    digest = digest_of(STORY)
    shown = [(q.start, q.end) for q in digest.shown_quotes]
    assert shown
    for p in digest.key_points:
        assert "Read more" not in p.text
        assert not p.text.startswith('"')
        assert not any(a < e and s < b for s, e in p.spans for a, b in shown)


def test_points_default_to_three_and_go_to_eight_on_request() -> None:
    facts = [
        "The national coastal fund will pay eleven million pounds of the cost.",
        "Engineers expect the reef to cut wave heights by a third within five years.",
        "A school has asked whether its pupils can help plant the first oyster beds.",
        "Insurers said premiums in the flooded streets had doubled since last winter.",
        "The harbour will stay open at high tide on every day of the works.",
        "University scientists will count the oysters every spring to check the growth.",
        "Similar reefs in the Netherlands have protected three villages since 2015.",
        "Residents who lost their homes in the floods called the decision far too late.",
    ]
    long_story = STORY + " " + " ".join(facts)
    assert len(digest_of(long_story).key_points) == 3
    assert len(digest_of(long_story, points=8).key_points) == 8


def test_reference_markers_are_cut_from_the_tldr_and_points() -> None:
    text = (
        "Binge eating disorder is the most common eating disorder in the United States (1). "
        "It affects about 2 percent of people worldwide, according to one large survey [2, 3]. "
        "Doctors say that regular meals and enough sleep can reduce the urge to binge at night. "
        "A food diary can help people notice what sets off an episode, therapists say."
    )
    digest = digest_of(text, points=3)
    shown = [digest.tldr, *(p.text for p in digest.key_points)]
    assert "the most common eating disorder in the United States." in " ".join(shown)
    assert not any("(1)" in s or "[2, 3]" in s for s in shown)
    for point in [*digest.key_points]:
        assert point.text == "".join(text[a:b] for a, b in point.spans)
    assert digest.tldr == "".join(text[a:b] for a, b in digest.tldr_spans)


def test_a_point_that_only_announces_what_follows_is_skipped() -> None:
    text = (
        "Apple released a 16-inch MacBook Pro on Wednesday with a new keyboard and a larger battery. "
        "Welcome to the new 16-inch MacBook Pro. "
        "Here are the five things you need to know about it. "
        "The laptop starts at $2,399, the same price as the 15-inch model it replaces. "
        "The battery is rated for 11 hours of web browsing, an hour more than before. "
        "The new keyboard brings back the scissor switches that users had asked for."
    )
    points = [p.text for p in digest_of(text, points=3).key_points]
    assert not any(p.startswith(("Welcome", "Here are")) for p in points)
    assert len(points) == 2  # a short article gets two points: the two that say something


def test_in_it_points_back_to_a_sentence_not_shown() -> None:
    assert depends_on_context("In it, the royal denied every claim made against him.")
    assert depends_on_context("Of them, only two were ever found.")
    assert not depends_on_context("In Italy, the royal denied every claim made against him.")


FEATURE = (
    "Winter smog has become a grim routine in the capital, and many residents now check the air daily. "
    "Since the festival, the air quality has plunged to alarming levels across the whole region. "
    "Doctors have advised older people to stay indoors on the worst mornings of the season. "
    "A new oxygen bar in the city centre sells fresh air to visitors for 300 rupees a session. "
    "The owners say customers breathe purified oxygen through a tube for fifteen minutes. "
    "Critics argue that the bar profits from a crisis without doing anything to fix it."
)


def test_with_a_headline_the_news_a_few_lines_down_beats_a_feature_opening(bow_encoder) -> None:
    result = select_key_points(FEATURE, bow_encoder, 3, title="Oxygen bar sells fresh air for 300 rupees")
    assert result.tldr is not None and result.tldr.text.startswith("A new oxygen bar")
    without = select_key_points(FEATURE, bow_encoder, 3)  # no headline: the lede rules
    assert without.tldr is not None and not without.tldr.text.startswith("A new oxygen bar")


def test_a_tldr_does_not_address_the_reader() -> None:
    assert tldr_unfit("Fortunately, there are plenty of strategies you can try to reduce binge eating.")
    assert tldr_unfit("The council voted on Tuesday to replace the crumbling sea wall with a reef.") is None


def test_a_sentence_opening_on_a_subordinate_phrase_can_be_shortened() -> None:
    text = (
        "After a three-year silence, there has been news on the fourth film in the series: Noah Hawley, "
        "best known for creating the Legion and Fargo TV series, is in final talks to write and direct "
        "it, according to reports from two trade papers."
    )
    pieces = shorten(text, (0, len(text)), 30)
    assert pieces is not None
    assert "".join(text[a:b] for a, b in pieces).endswith(
        "Noah Hawley is in final talks to write and direct it."
    )


def test_a_shortened_sentence_does_not_end_on_a_pronoun_whose_noun_was_cut() -> None:
    text = (
        "Scientists around the world are only just beginning to understand them, but it is becoming "
        "clear that tuft cells are an important hub for the defences of the body against parasites."
    )
    pieces = shorten(text, (0, len(text)), 16)
    assert pieces is None or not "".join(text[a:b] for a, b in pieces).endswith("them.")


def test_an_upper_case_label_line_is_boilerplate() -> None:
    assert is_boilerplate("EXPERT VERDICT: 'Titanium oxide reflects UVA and UVB rays off the skin.'")


@pytest.mark.parametrize(
    "sentence",
    [
        "Bowyer shakes hands with the Liverpool manager ahead of the FA Cup replay Indeed, Bowyer's options "
        "are so stretched that he may start his goalkeeper in attack.",
        "The video included a clip of a couple and the handle for the new group is @couples4her Many voters "
        "point to her 2011 speech in Geneva as the moment.",
        "The team looks dejected after seeing its side slump to defeat in London However, after the defeat "
        "the manager praised his players.",
    ],
)
def test_a_caption_run_into_a_sentence_is_boilerplate(sentence: str) -> None:
    assert is_boilerplate(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Critics in the party say It Follows was the best horror film of the decade.",
        "Rachel Reeves met Liu He, China's top trade negotiator, in Beijing on Monday.",
        "The group One Wisconsin Now, which is progressive, found the columns in an archive.",
    ],
)
def test_a_capitalised_word_in_a_name_is_not_a_run_in_caption(sentence: str) -> None:
    assert not is_boilerplate(sentence)


POINTING_BACK = (
    "A London charity has referred homeless men to a letting agent that earns millions in housing benefit. "
    "The agent, Investing Solutions, finds rooms for single homeless men across seven boroughs. "
    "Investing Solutions received those benefit payments over the past two years without any checks. "
    "The council said it would review every referral the charity had made since 2015. "
    "Rents of up to £1,200 a month were charged for a single room in a shared house in Croydon. "
    "Investing Solutions has not yet responded to a request for comment on the figures. "
    "Detectives believe those involved in the scheme had planned it for more than a year. "
    "Three of the men said they had never been shown a tenancy agreement before moving in."
)


def test_a_point_that_points_back_or_says_no_one_answered_is_skipped() -> None:
    result = select_key_points(POINTING_BACK, BagOfWordsEncoder(), 5)
    points = [p.text for p in result.points]
    assert len(points) == 5  # of the six sentences after the lede, all but the two
    assert not any("those benefit payments" in p or "responded to a request" in p for p in points)
    assert any(p.startswith("Detectives believe those involved") for p in points)  # "those" people


LISTICLE = (
    "Insomnia affects about one adult in ten in the United Kingdom, according to the NHS.\n"
    "It is more than a bad night: it can harm mood, memory and health over the years.\n"
    "Doctors say there are simple habits that make a real difference for most people.\n"
    "Many people find their sleep improves within a few weeks once they change them.\n"
    "Here are five tips to help you sleep better tonight.\n"
    "1. Keep regular hours\n"
    "Going to bed and getting up at the same time every day sets the body clock.\n"
    "Weekend lie-ins of more than an hour undo much of that work, studies show.\n"
    "2. Cut caffeine after noon\n"
    "Caffeine stays in the blood for up to ten hours, so an afternoon coffee can keep you awake.\n"
    "3. Put the phone away\n"
    "Screens before bed delay sleep by about half an hour in most of the studies reviewed.\n"
    "4. Keep the bedroom cool\n"
    "A room at about 18C helps the body drop to the temperature it sleeps best at.\n"
    "5. Get up if you cannot sleep\n"
    "Lying awake for hours teaches the brain that the bed is a place for worrying, experts say.\n"
)


def test_in_a_list_article_the_points_are_the_items() -> None:
    points = [p.text for p in digest_of(LISTICLE, points=3).key_points]
    assert points == [
        "Going to bed and getting up at the same time every day sets the body clock.",
        "Caffeine stays in the blood for up to ten hours, so an afternoon coffee can keep you awake.",
        "Screens before bed delay sleep by about half an hour in most of the studies reviewed.",
    ]


def test_a_numbered_list_must_count_from_one() -> None:
    # "3." and "4." lines with no "1." are not a list article's items: no bonus
    from models.keypoints import preprocess

    text = LISTICLE.replace("1. Keep", "Keep").replace("2. Cut", "Cut")
    assert preprocess(text, 4).leads == ()
    assert any(preprocess(LISTICLE, 4).leads)


def test_a_lead_in_that_calls_out_to_the_reader_is_cut_from_the_tldr() -> None:
    text = (
        "Doll collectors mark your calendars: This Saturday, the very first fashion doll will go on sale "
        "again in Australia. "
        "Customers will be able to buy the vintage-style doll for the original 1959 price of $3. "
        "The department store has teamed up with the maker to reproduce the doll for five of its shops. "
        "Those who miss out will be able to buy one for $34.95 from the following Monday."
    )
    digest = digest_of(text, points=2)
    assert digest.tldr == "This Saturday, the very first fashion doll will go on sale again in Australia."
    (start, end), *rest = digest.tldr_spans
    assert not rest and text[start:end] == digest.tldr  # a deletion: one span of the article


def test_a_reported_statement_after_a_colon_is_not_cut_into_a_tldr() -> None:
    text = (
        "Police told your reporter this morning: Three men were arrested at a house in Leeds after a chase. "
        "The council voted on Thursday to close the old harbour bridge to all traffic for a year. "
        "The bridge was built in 1962 and has been repaired four times in the last decade. "
        "Repairs are expected to cost £3 million, most of it from a national transport fund."
    )
    assert not digest_of(text, points=2).tldr.startswith("Three men were arrested")


def test_a_point_that_is_mostly_a_quotation_in_single_marks_is_skipped_despite_apostrophes() -> None:
    from models.keypoints import _bare_quotation

    sentence = (
        "The paper called the plan 'cautious to a fault.' 'It is not convincing to argue that the "
        "minister is free to speak now that she has left America's diplomatic service for good and "
        "returned to her old seat,' the paper's columnist wrote."
    )
    assert _bare_quotation(sentence)
    assert not _bare_quotation("The minister's plan, which the council's leader called 'brave', passed.")


def test_a_point_that_cites_the_source_met_before_is_skipped() -> None:
    text = (
        "Singer Taylor Hart is unhappy with the way her label handled the dispute, according to a report. "
        "The label's owner has been trying to reach her by phone for weeks, the source further claimed "
        "to the outlet. "
        "On Thursday the singer accused the label of blocking a documentary about her early career. "
        "The label said in a statement that it had never blocked any film about the singer. "
        "The documentary is due to be released by the streaming service later this year."
    )
    points = [p.text for p in select_key_points(text, BagOfWordsEncoder(), 4).points]
    assert len(points) == 3 and not any("the source" in p for p in points)  # the other three


def test_a_product_line_with_no_subject_leans_on_the_line_before() -> None:
    assert depends_on_context("Offers 'protection against four times more of the sun's rays'.")
    assert depends_on_context("Contains zinc oxide and costs £12 for a 50ml tube.")
    assert not depends_on_context("Uses of the drug have doubled in the past five years.")
    assert not depends_on_context("Claims for the benefit rose by a third in March.")


def test_a_shop_widgets_call_run_into_a_sentence_is_boilerplate() -> None:
    assert is_boilerplate("She went shopping in a striped zip through skirt Earn your style stripes!")


def test_a_sentence_about_the_page_itself_is_boilerplate() -> None:
    assert is_boilerplate("One example is in the photograph at the top of this article.")
    assert is_boilerplate("The chart below this story shows how prices rose in every region.")
    assert not is_boilerplate("The study, published in this week's Nature, tracked 2,000 patients.")


def test_visit_site_shop_widgets_are_boilerplate() -> None:
    assert is_boilerplate("Visit site Like the rest of her family, the princess is counting down the days.")
    assert is_boilerplate("The striped skirt is available at the high street shop for £35 Buy now.")
    assert is_boilerplate("Be sure to check out our Laptop Price Guide for availability on the new model.")
    assert (
        is_boilerplate("Our price guide lists the shops with the latest deals on the new laptop today.")
        is False
    )
    assert is_boilerplate("See our price guide for the latest deals and availability on the new laptop.")


def test_an_unnamed_royal_leans_on_the_sentence_that_named_her() -> None:
    assert depends_on_context("The British royal showed off her style for a second day in New York.")
    assert not depends_on_context("The British royal Princess Anne opened the new hospital wing on Monday.")


@pytest.mark.parametrize(
    ("sentence", "dangling"),
    [
        ("The president announced his support for the plan nearly a year earlier in March 2012.", True),
        ("Sources said that a year later, the president had made only minor changes to his diet.", True),
        ("The mayor resigned two days before, saying she had lost the council's trust.", True),
        ("The peer signed a letter a week before he was ruled unfit to face trial.", False),
        ("She was taken to hospital by ambulance but died a few hours later.", False),
        ("He was arrested on Monday and charged with murder two days later.", False),
        ("In March the council voted to close the bridge, and a year later, it was gone.", False),
    ],
)
def test_a_time_counted_from_an_event_not_given_points_outside(sentence: str, dangling: bool) -> None:
    from models.keypoints import _unanchored_time

    assert _unanchored_time(sentence) is dangling


def test_a_tldr_does_not_lean_on_a_parenthetical_connective() -> None:
    assert tldr_unfit("There have, though, been several claims that the treatment works.") is not None
    assert tldr_unfit("The clinic, though small, has treated more than 4,000 clients since 2015.") is None


def test_a_point_in_the_writers_own_voice_is_skipped() -> None:
    text = (
        "Apple sold more iPhones in its tenth year than in any year before, the company said on Monday. "
        "I turned around in the shop and saw a queue that reached the street outside. "
        "The phone now accounts for nearly two thirds of the company's revenue, up from half in 2012. "
        "Analysts expect sales to slow as people keep their phones for longer than they used to. "
        "The company will report its quarterly results at the end of January, a spokesman said."
    )
    points = [p.text for p in digest_of(text, points=3).key_points]
    assert points and not any(p.startswith("I turned") for p in points)


@pytest.mark.parametrize(
    "sentence",
    [
        "The company flat-out denied the allegations in a statement.",
        "The source further claimed it was true.",
    ],
)
def test_the_x_with_no_x_named_points_back(sentence: str) -> None:
    assert depends_on_context(sentence)


def test_subscription_lines_and_among_them_openings_are_not_points() -> None:
    assert is_boilerplate("Get Motor Cycle Monthly delivered to your door every month from just £3.")
    assert depends_on_context("Among them were two former ministers and a retired judge.")


def test_a_shortened_sentence_does_not_end_on_an_adverb_of_the_clause_cut_away() -> None:
    text = (
        "It is becoming clear that tuft cells are an important hub for the defences of the body "
        "precisely because they sense the parasites that the immune system must fight off."
    )
    pieces = shorten(text, (0, len(text)), 20, loose=True)
    assert pieces is None or not "".join(text[a:b] for a, b in pieces).endswith("precisely.")


@pytest.mark.parametrize(
    ("sentence", "dependent"),
    [
        ("The 76-year-old, who was shortlisted in 1991, said he was delighted.", True),
        ("The biologist and entrepreneur has long wanted to create life.", True),
        ("The singer Adele Adkins said she was moved by the letters.", False),
        ("The government said it would act on the report.", False),
        ("The winner of the prize will be named on Friday.", False),
        # a name further on is not the person's: the person is still the one named before
        ("The 25-year-old cousin of Princes William and Harry was seen in Manhattan.", True),
        ("The 10-year-old Irish-bred horse collapsed after the Cotswold Chase.", True),
        ("The 30-year-old, Jane Ashdown, was taken to hospital in Leeds.", False),
        # an epithet with a capitalised modifier, a nationality standing for the person
        ("The Harry Potter author previously tweeted about the abuse.", True),
        ("The Dons boss has guided his team to two second-place finishes.", True),
        ("The Spaniard has found his best form at a crucial time.", True),
        ("The Briton finished more than two minutes ahead of the field.", True),
        ("The Chinese team flew a kite six kilometres long at the festival.", False),
        # an opening phrase, then a pronoun: the person or thing was named before
        ("In 1988, they swept a season like no team has done since.", True),
        ("After the match, his manager said the team had been unlucky.", True),
        ("In 1988, McLaren swept a season like no team has done since.", False),
        ("Through this so many lives were saved in the villages of the east.", True),
        ("Sometimes they would walk for three days to reach the nearest clinic.", True),
        ("Sometimes the rains come early and wash the new road away.", False),
        # a participle's phrase, then a pronoun: what it describes was named before
        ("Developed by a U.S. dermatologist, it is said to be the first such sunscreen.", True),
        ("Born in Leeds, he moved to London at 18 to study music.", True),
        ("Founded in 1990, the company now employs 300 people in Leeds.", False),
    ],
)
def test_a_person_the_sentence_does_not_name_was_named_before(sentence: str, dependent: bool) -> None:
    assert depends_on_context(sentence) is dependent


@pytest.mark.parametrize(
    "sentence",
    [
        "According to reports, this bar is offering oxygen to anyone who will pay for it.",
        "Investing Solutions received those benefit payments over the past two years.",
        "Earlier the Police Federation urged her not to base the changes on a few officers.",
        "Back then, the senator held up the word as proof that he told the truth.",
        "To do this, the programmer wrote software to scrape the images from the galleries.",
        "Fellow Oscar-winner Kevin Kline has also signed on to play the father of the heroine.",
        "Being able to play a role in that change has been a lot of fun for the whole team.",
        "At $100 a pop, that's some pretty pricey skin maintenance for the clinic's clients.",
    ],
)
def test_a_tldr_names_what_it_is_about(sentence: str) -> None:
    # the first thing a reader sees has no sentence before it to lean on
    assert tldr_unfit(sentence) == "leans on another sentence"


def test_a_tldr_may_say_this_week_or_those_of() -> None:
    # "In addition to <what>" names what it adds to: a page whose text opens so has no better lede
    assert tldr_unfit("In addition to the three deaths at the plant, 30 people were injured.") is None
    assert tldr_unfit("Councillors voted this week to replace the sea wall with an oyster reef.") is None
    assert tldr_unfit("The daily Yeni Safak said its offices and those of Yeni Akit were attacked.") is None
    assert tldr_unfit("The pact means most Australians will not get a day off this Anzac weekend.") is None


# -- quotes --------------------------------------------------------------------------------------


def _quote(text: str, article: str, speaker: str | None = "Harriet Blake") -> Quote:
    start = article.index(text)
    return Quote(text, speaker, "said", start, start + len(text))


def test_a_long_quote_is_cut_at_a_sentence_end_inside_it_with_an_ellipsis() -> None:
    said = " ".join(f"Sentence {i} of what she said runs on for a while." for i in range(8))
    article = f'"{said}" said Harriet Blake.'
    (quote,) = mark_shown([_quote(said, article)], 2, article)
    ((s, e),) = quote.shown_spans
    assert s == quote.start and e < quote.end
    assert article[s:e].endswith(".") and len(article[s:e].split()) <= 40
    assert shown_text(quote, article).endswith(" …")


def test_a_shown_quote_does_not_end_on_a_comma() -> None:
    article = '"We can keep pouring concrete, or we can build something that grows," said Harriet Blake.'
    (quote,) = mark_shown(
        [_quote("We can keep pouring concrete, or we can build something that grows,", article)], 2, article
    )
    assert shown_text(quote, article) == "We can keep pouring concrete, or we can build something that grows"


def test_quotes_without_a_speaker_are_not_shown_and_one_per_speaker() -> None:
    article = (
        '"The first thing she said was quite long enough to count," said Blake. '
        '"The second thing she said was also long enough to count," said Blake. '
        '"Something nobody is credited with saying in this article at all."'
        ' "The ecologist said something long enough as well," said Nowak.'
    )
    quotes = [
        _quote("The first thing she said was quite long enough to count,", article, "Blake"),
        _quote("The second thing she said was also long enough to count,", article, "Blake"),
        _quote("Something nobody is credited with saying in this article at all.", article, None),
        _quote("The ecologist said something long enough as well,", article, "Nowak"),
    ]
    shown = [q for q in mark_shown(quotes, 2, article) if q.shown]
    assert [q.speaker for q in shown] == ["Blake", "Nowak"]


def test_the_voices_the_headline_names_are_shown_before_earlier_ones() -> None:
    article = (
        '"The weather this morning was lovely for the whole crowd," said Ann Lee. '
        '"We will vote against the budget because it cuts the harbour fund," said Tom Baker. '
        '"nobody in this town will accept a harbour without its fishermen," said Mia Park.'
    )
    quotes = [
        _quote("The weather this morning was lovely for the whole crowd,", article, "Ann Lee"),
        _quote("We will vote against the budget because it cuts the harbour fund,", article, "Tom Baker"),
        _quote("nobody in this town will accept a harbour without its fishermen,", article, "Mia Park"),
    ]

    def first_shown(context: str) -> list[str | None]:
        return [q.speaker for q in mark_shown(quotes, 1, article, context) if q.shown]

    assert first_shown("Baker leads revolt over harbour budget") == ["Tom Baker"]
    # the headline's quote is shown, though it starts lower-case
    assert first_shown("'Accept a harbour without its fishermen'? Not this town") == ["Mia Park"]
    assert first_shown("") == ["Ann Lee"]  # no headline: news puts the first voice first


def test_a_short_fragment_that_opens_on_a_verb_or_preposition_is_not_shown() -> None:
    article = (
        'The idea "is actually not so crazy," said Ann Lee. '
        'It comes "at the expense of training," said Tom Baker. '
        'The plan was "a national disgrace," said Mia Park.'
    )
    quotes = [
        _quote("is actually not so crazy,", article, "Ann Lee"),
        _quote("at the expense of training,", article, "Tom Baker"),
        _quote("a national disgrace,", article, "Mia Park"),
    ]
    assert [q.speaker for q in mark_shown(quotes, 3, article) if q.shown] == ["Mia Park"]


def test_a_pasted_post_with_a_handle_or_link_is_not_shown() -> None:
    article = (
        '"Great speech tonight, she is ready to lead us all @HillaryClinton https://t.co/x1," wrote Ann Lee. '
        '"We will vote against the budget because it cuts the harbour fund," said Tom Baker.'
    )
    quotes = [
        _quote(
            "Great speech tonight, she is ready to lead us all @HillaryClinton https://t.co/x1,",
            article,
            "Ann Lee",
        ),
        _quote("We will vote against the budget because it cuts the harbour fund,", article, "Tom Baker"),
    ]
    assert [q.speaker for q in mark_shown(quotes, 2, article) if q.shown] == ["Tom Baker"]
    email = '"Write to me at ann@example.org about the harbour plan," said Ann Lee.'
    (quote,) = mark_shown(
        [_quote("Write to me at ann@example.org about the harbour plan,", email, "Ann Lee")], 2, email
    )
    assert quote.shown  # an address is not a handle


def test_a_quote_reopened_inside_is_shown_up_to_the_stray_mark() -> None:
    said = "The coaches have done a fantastic job in helping me. 'You cannot do all of it by yourself."
    article = f"Gary Locke said: '{said}' The club agreed."
    (quote,) = mark_shown([_quote(said, article, "Gary Locke")], 2, article)
    assert shown_text(quote, article) == "The coaches have done a fantastic job in helping me. …"


def test_a_quote_reopened_inside_and_named_after_shows_the_paragraph_at_the_name() -> None:
    # The artist's speech is left open by mistake; the story and the CEO's words run into it, and
    # the finder reads all of it as the CEO's. Only the paragraph at his name is surely his.
    said = (
        "With this in mind, I wondered if a camera could be made to dance. "
        "The robots will dance for four more days of the event. "
        "'We chose Shoreditch quite deliberately as our new home,"
    )
    article = f"'We are all living in a peepshow,' he said. '{said}' said TransIP CEO Jeroen Hupscher."
    (quote,) = mark_shown([_quote(said, article, "Jeroen Hupscher")], 2, article)
    assert shown_text(quote, article) == "… We chose Shoreditch quite deliberately as our new home"


# -- length and shape ---------------------------------------------------------------------------


def test_the_budget_drops_a_second_quote_then_the_longest_points() -> None:
    digest = digest_of(STORY, points=3)
    assert digest_words(digest) <= DIGEST_MAX_WORDS
    padded = digest.__class__(
        **{
            **{f: getattr(digest, f) for f in digest.__dataclass_fields__},
            "key_points": digest.key_points + tuple(KeyPoint("word " * 60, ((0, 1),)) for _ in range(2)),
        }
    )
    fitted = fit(padded)
    assert digest_words(fitted) <= DIGEST_MAX_WORDS
    assert len(fitted.key_points) >= 1


def test_a_wire_brief_gets_a_tldr_and_at_most_two_points() -> None:
    brief = (
        "Two fishermen were rescued off Port Ellis on Tuesday after their boat capsized in heavy seas. "
        "The coastguard said both men were taken to hospital with mild hypothermia. "
        "A lifeboat crew reached them within twenty minutes of the alarm being raised. "
        "The harbour master said the boat had been caught by a sudden squall near the reef. "
        "An investigation into the cause of the accident will begin next week, officials said."
    )
    digest = digest_of(brief, points=3)
    assert digest.tldr and 1 <= len(digest.key_points) <= 2


def test_the_json_and_markdown_show_the_new_shape() -> None:
    digest = digest_of(STORY)
    data = digest_to_json(digest)
    assert data["tldr"] == digest.tldr and data["tldr_spans"]
    assert data["stats"]["digest_words"] == digest_words(digest)
    assert {q["shown"] for q in data["quotes"]} <= {True, False}
    roles = {q["speaker"]: q["speaker_role"] for q in data["quotes"]}
    assert roles == {"Harriet Blake": "the council's leader", "Tomasz Nowak": "a marine ecologist"}
    markdown = digest_to_markdown(digest)
    assert markdown.count("\n- ") == len(digest.key_points)
    for q in digest.quotes:
        assert (shown_text(q, digest.article.text) in markdown) == q.shown


def test_only_quotes_whose_speaker_is_named_in_their_clause_are_shown() -> None:
    article = (
        "The council met on Tuesday to vote on the sea wall. "
        '"We will build the reef this year, whatever the cost turns out to be," said Harriet Blake. '
        "Tomasz Nowak, an ecologist, spoke after her. "
        '"The reef will need ten years before it protects anything at all," he said. '
        '"Yep, that is how it goes with reefs and with councils," Yep said.'
    )
    quotes = extract_quotes(article)
    by_text = {q.text.split()[0]: q for q in quotes}
    assert by_text["We"].speaker == "Harriet Blake" and by_text["We"].confidence >= 0.8
    assert by_text["The"].confidence is not None and by_text["The"].confidence < 0.8  # "he said"
    assert by_text["Yep,"].confidence is not None and by_text["Yep,"].confidence < 0.8  # not a name
    shown = [q for q in mark_shown(quotes, 2, article) if q.shown]
    assert [q.speaker for q in shown] == ["Harriet Blake"]


def test_self_contained_openings_and_page_names_are_not_mistaken_for_faults() -> None:
    # "In addition to <what>" names what it adds to; "In addition," leans on the sentence before.
    assert not depends_on_context("In addition to the three deaths, 30 people were injured on Tuesday.")
    assert depends_on_context("In addition, 30 people were injured on Tuesday.")
    # a site name with a dot is not two sentences run together; "GMT.The" is
    text = "PanARMENIAN.Net reported that at least 106 protesters in 21 cities have been killed this week."
    assert shorten(text, (0, len(text)), 30) == ((0, len(text)),)
    glued = "The road was closed after the crash at 03:00 GMT.The A36 closure lasted most of the morning."
    (piece,) = shorten(glued, (0, len(glued)), 30) or ()
    assert glued[slice(*piece)] == "The road was closed after the crash at 03:00 GMT."


def test_a_point_never_opens_on_someone_the_reader_has_not_met() -> None:
    text = (
        "Hillary Clinton won the endorsement of the largest lesbian political action committee on Monday. "
        "The committee said it had backed her because of her record on equal pay for women. "
        "Billie Jean King, the tennis champion, sits on the committee's board of advisers this year. "
        "King, who was outed in 1981, said the choice had been an easy one for the board. "
        "Police said the launch event in Washington had passed off without any trouble at all. "
        "The police in the city had closed two streets for the launch on Monday morning."
    )
    result = select_key_points(text, BagOfWordsEncoder(), 5)
    texts = [p.text for p in result.points]
    assert not any(t.startswith("King, who") for t in texts)
    assert any(t.startswith("Police said") for t in texts)  # a common noun is no stranger


def test_the_same_words_are_shown_once_and_statements_before_fragments() -> None:
    """Which quotes the reply shows (``compose.mark_shown``, which took over from the quote
    module's ``select_notable``): a caption repeating a quote is not shown twice."""
    article = "x" * 1000
    a = Quote("We will be back next season stronger than ever.", "Ann", "said", 0, 48)
    b = Quote("We will be back next season, stronger than ever", "Ann", None, 500, 547)
    c = Quote("The board has our full support and always will.", "Bob", "said", 900, 948)
    fragment = Quote("a disgrace", "Cy", "said", 100, 110)
    shown = [q for q in mark_shown([a, fragment, b, c], 2, article) if q.shown]
    assert [q.start for q in shown] == [0, 900]


def test_a_story_whose_every_sentence_leans_back_still_gets_a_digest() -> None:
    text = (
        "The 25-year-old moved to the club from Somerset in 2013 and his new deal runs until 2019. "
        "He has scored three of the fastest centuries in the history of the one-day game. "
        "His presence in the final last year was a factor in the county winning the competition."
    )
    result = select_key_points(text, BagOfWordsEncoder(), 3)
    assert result.tldr is not None and result.points


def test_a_story_of_quotes_and_sentences_that_lean_back_still_gets_a_tldr() -> None:
    text = (
        "The 25-year-old moved to the club from Somerset in 2013 and his new deal runs until 2019. "
        '"Jos is one of the most talented cricketers in the game," said the head coach, Ashley Giles. '
        '"His presence in the final last year was a factor in us winning the competition."'
    )
    result = select_key_points(text, BagOfWordsEncoder(), 3)
    assert result.tldr is not None and result.tldr.text.startswith("The 25-year-old moved")


def test_a_shortened_sentence_does_not_end_on_a_connective() -> None:
    text = (
        "Clients may not feel the need to worry about suspicious smells and potential health risks "
        "however because: the clinic says the air is filtered twice an hour and checked by an inspector "
        "every single month of the year."
    )
    for loose in (False, True):
        pieces = shorten(text, (0, len(text)), 20, loose=loose)
        shown = "".join(text[a:b] for a, b in pieces) if pieces else ""
        assert not shown.rstrip(".").endswith(("because", "however"))
        assert "because," not in shown  # nor on the clause's opening, its verb cut away


def test_headings_related_links_and_asides_to_the_reader_are_not_points() -> None:
    text = (
        "Councillors in Port Ellis voted 9 to 2 on Thursday to replace the crumbling sea wall with a reef.\n"
        "Not Merely a Wall Against the Sea\n"
        "Post Malone and Billie Eilish Lead the 2019 Music Awards Nominations: See Full List\n"
        "If you want a town that takes the sea seriously, this is the one to watch this winter.\n"
        ", after the storms of last winter flooded forty homes on the harbour front.\n"
        "The reef will cost £14 million, most of it paid for from a national coastal fund.\n"
        "Work is expected to begin in September and to take three years to complete.\n"
        "Fishermen fear the works will close the harbour mouth during the summer season."
    )
    texts = [p.text for p in select_key_points(text, BagOfWordsEncoder(), 3).points]
    assert texts == [
        "The reef will cost £14 million, most of it paid for from a national coastal fund.",
        "Work is expected to begin in September and to take three years to complete.",
        "Fishermen fear the works will close the harbour mouth during the summer season.",
    ]


def test_a_sentence_and_the_pair_it_leans_in_are_never_both_points() -> None:
    text = (
        "Councillors in Port Ellis voted 9 to 2 on Thursday to replace the crumbling sea wall with a reef. "
        "Police have not yet released a motive for the attack on the harbour master's office. "
        "However, the harbour master said he had received threats after the vote on the wall. "
        "The reef will cost £14 million, most of it paid for from a national coastal fund. "
        "Work is expected to begin in September and to take three years to complete."
    )
    points = select_key_points(text, BagOfWordsEncoder(), 4).points
    spans = sorted(span for p in points for span in p.spans)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))  # no text shown twice


def test_a_caption_run_into_the_text_is_boilerplate() -> None:
    assert is_boilerplate("The dragon appears disinterested The reptile then turns to face the dog.")
    assert is_boilerplate("Sources said the coworker had tipped them off All this came to light in November.")
    assert not is_boilerplate("Officers raided the restaurant The Royal China Club on Baker Street.")


def test_comment_policies_and_the_writer_with_the_reader_are_not_points() -> None:
    assert is_boilerplate("In some cases a selection of your comments will be published with your name.")
    assert is_boilerplate("Please ensure you have read the terms and conditions.")
    text = (
        "Councillors in Port Ellis voted 9 to 2 on Thursday to replace the crumbling sea wall with a reef. "
        "Let's not forget the old argument about whose job it was to fix the wall every winter. "
        "The reef will cost £14 million, most of it paid for from a national coastal fund."
    )
    texts = [p.text for p in select_key_points(text, BagOfWordsEncoder(), 2).points]
    assert texts == ["The reef will cost £14 million, most of it paid for from a national coastal fund."]


def test_a_long_lede_is_cut_before_its_second_object_not_before_its_when_clause() -> None:
    text = (
        "Ambassador Gordon Sondland, the most anticipated witness in the inquiry, is likely to be "
        "unpredictable when he faces questions about his evolving accounts of the administration's "
        "dealings with Ukraine and a newly revealed summertime phone call with the president."
    )
    pieces = shorten(text, (0, len(text)), 30) or shorten(text, (0, len(text)), 30, loose=True)
    assert pieces is not None
    assert "".join(text[a:b] for a, b in pieces) == (
        "Ambassador Gordon Sondland is likely to be unpredictable when he faces questions about his "
        "evolving accounts of the administration's dealings with Ukraine."
    )


def test_a_digest_without_points_shows_no_points_heading_and_no_list_mark() -> None:
    digest = digest_of("- New tasks for the game and the couples who play it!")
    assert digest.tldr == "New tasks for the game and the couples who play it!"
    assert not digest.key_points and "Key points" not in digest_to_markdown(digest)


@pytest.mark.parametrize(
    ("sentence", "shortened"),
    [
        (  # a second predicate goes
            "A Port Ellis woman running an alleged wedding-for-hire scheme pleaded not guilty on Friday to "
            "charges that she married ten men over eleven years and charged each of them a fee for it.",
            "A Port Ellis woman running an alleged wedding-for-hire scheme pleaded not guilty on Friday to "
            "charges that she married ten men over eleven years.",
        ),
        (  # a contrast set off by commas goes
            "The harbour master this week found herself in the news, rather than reporting on it, after a "
            "video surfaced showing her shouting at the crew of a fishing boat in the old port of Ellis.",
            "The harbour master this week found herself in the news after a video surfaced showing her "
            "shouting at the crew of a fishing boat in the old port of Ellis.",
        ),
    ],
)
def test_a_long_lede_loses_a_second_predicate_or_a_contrast_aside(sentence: str, shortened: str) -> None:
    pieces = shorten(sentence, (0, len(sentence)), 30) or shorten(
        sentence, (0, len(sentence)), 30, loose=True
    )
    assert pieces is not None and "".join(sentence[a:b] for a, b in pieces) == shortened


@pytest.mark.parametrize(
    ("sentence", "fit"),
    [
        # a first person inside the British press's single marks is the quoted person, not the writer
        (
            "A 14-year-old girl conspired to have her mother killed, texting 'I want her gone,' police say.",
            True,
        ),
        # "were pictured with" is news; a caption is not
        ("Eight guards were suspended after they were pictured with a far-right leader at a rally.", True),
        ("Nauru guards pictured with the far-right leader at the rally in Brisbane this month.", False),
        # "The woman <who or what>" says which woman
        ("The woman falsely accused of blackmailing a footballer has been photographed at a party.", True),
        ("The woman has been photographed at a party in Manchester on Saturday night.", False),
        # "this country" is the writer's, not one a sentence before named
        (
            "One in five restaurants serve shark fin soup via a loophole in this country, a charity says.",
            True,
        ),
        # "X added that ..." adds to something said before
        (
            "Jacqueline Caterina, 33, added that she has seen an improvement since starting the treatment.",
            False,
        ),
    ],
)
def test_tldr_rules_that_must_not_overreach(sentence: str, fit: bool) -> None:
    assert (tldr_unfit(sentence) is None) is fit


def test_a_caption_run_into_a_sentence_with_an_is_boilerplate() -> None:
    assert is_boilerplate(
        "Sister Gertrud was found in her bedroom, with a towel on her face An 86-year-old nun was"
    )
    assert is_boilerplate("Sister Gertrud Tiefenbacher (not pictured) was found in her bedroom.")
