from models.sentences import _inner_sentences, candidate_span, iter_sentences, split_sentences


def spans_ok(text: str) -> None:
    for s in split_sentences(text):
        assert text[s.start : s.end] == s.text


def test_spans_are_exact_offsets_and_abbreviations_do_not_split() -> None:
    text = "Mr. Smith arrived at 3 p.m. on Jan. 5 in the U.S. capital. He left on Friday."
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "Mr. Smith arrived at 3 p.m. on Jan. 5 in the U.S. capital.",
        "He left on Friday.",
    ]
    spans_ok(text)


def test_never_splits_inside_a_double_quotation() -> None:
    text = 'She said: "I went home. Then I slept all day." Her brother disagreed with that.'
    sentences = [s.text for s in split_sentences(text)]
    assert sentences[0] == 'She said: "I went home. Then I slept all day."'
    assert sentences[1] == "Her brother disagreed with that."


def test_never_splits_inside_a_curly_single_quotation() -> None:
    text = "‘I’d be over the moon. It’s what I’ve worked for,’ said Locke at the club. He smiled."
    sentences = [s.text for s in split_sentences(text)]
    assert sentences[0] == "‘I’d be over the moon. It’s what I’ve worked for,’ said Locke at the club."
    assert sentences[1] == "He smiled."


def test_a_line_break_ends_a_sentence() -> None:
    text = "A headline with no full stop\nThe first sentence of the story is here."
    assert [s.text for s in split_sentences(text)] == [
        "A headline with no full stop",
        "The first sentence of the story is here.",
    ]


def test_datelines_are_trimmed_from_key_point_candidates() -> None:
    for lead in ("LONDON, England (CNN) -- ", "(CNN)", "WASHINGTON (Reuters) - ", "PORT ELLERY — "):
        text = lead + "The prime minister said on Monday that taxes would rise next year."
        (sentence,) = split_sentences(text)
        assert sentence.text == "The prime minister said on Monday that taxes would rise next year."
        assert candidate_span(sentence) == (sentence.start, sentence.end)


def test_daily_mail_byline_block_is_skipped_whole() -> None:
    text = (
        "By . Daily Mail Reporter . PUBLISHED: . 08:09 EST, 1 March 2013 . | . UPDATED: . "
        "10:11 EST, 1 March 2013 . A man was arrested after a long police chase through the city centre."
    )
    assert [s.text for s in split_sentences(text)] == [
        "A man was arrested after a long police chase through the city centre."
    ]


def test_share_bar_boilerplate_is_trimmed() -> None:
    share_bar = "Share this withEmailFacebookTwitterWhatsAppLinkedinCopy this link"
    text = share_bar + "Jak Trueman, 15, was ill for a long time."
    (sentence,) = split_sentences(text)
    span = candidate_span(sentence)
    assert span is not None
    assert text[span[0] : span[1]] == "Jak Trueman, 15, was ill for a long time."


def test_fragments_are_not_candidates() -> None:
    text = "Read more. The council approved the new budget for schools on Tuesday evening."
    sentences = split_sentences(text)
    assert candidate_span(sentences[0]) is None
    assert candidate_span(sentences[1]) is not None


def test_a_time_of_day_ends_a_sentence_only_when_a_new_one_follows() -> None:
    text = (
        "Prosecutors said no checks were made from 10:30 p.m. Aug. 9 to 6:30 a.m. the following morning. "
        "The guards found him at 6:30 a.m. Police were called soon after."
    )
    assert [s.text for s in iter_sentences(text)] == [
        "Prosecutors said no checks were made from 10:30 p.m. Aug. 9 to 6:30 a.m. the following morning.",
        "The guards found him at 6:30 a.m.",
        "Police were called soon after.",
    ]


def test_a_one_letter_name_with_an_exclamation_mark_does_not_end_a_sentence() -> None:
    text = (
        "The singer is unhappy with his label, according to a new report by E! News. "
        "He declined to say more.\n"
        "The channel is called E!\n"
        "It was loud! The crowd roared."
    )
    spans_ok(text)
    assert [s.text for s in iter_sentences(text)] == [
        "The singer is unhappy with his label, according to a new report by E! News.",
        "He declined to say more.",
        "The channel is called E!",
        "It was loud!",
        "The crowd roared.",
    ]


def test_a_days_ordinal_dot_does_not_end_a_sentence_in_other_languages() -> None:
    text = (
        "Am 12. und 13. September startet wieder die Messe in Köln. Das Jahr 2019 war gut. 2020 wird "
        "besser.\nSpotkanie odbędzie się 5. maja w Warszawie. Wszyscy są zaproszeni."
    )
    assert [s.text for s in iter_sentences(text, "de")][:4] == [
        "Am 12. und 13. September startet wieder die Messe in Köln.",
        "Das Jahr 2019 war gut.",
        "2020 wird besser.",
        "Spotkanie odbędzie się 5. maja w Warszawie.",
    ]
    spans_ok(text)


# A speech set over several paragraphs re-opens its mark on each and closes only the last; with
# the line breaks lost (pasted text, the CNN/DM archive) pysbd keeps all of it, and the narrative
# after it, as one "sentence" of hundreds of words that no key point can come from.
_SPEECH = (
    "Locke was given the job on Friday. "
    "‘I had a taste of it at Hearts and really enjoyed it. I’m fortunate I was put into this position "
    "at a great club. It’s a fantastic opportunity for me and for my family. "
    "‘But I’ve said all along, it’s not about me. It’s about players who have worked so hard for me. "
    "If they perform, you get a better reputation as a manager and that has been the case here. "
    "‘That’s how football works in the end and I know what to expect.’ "
    "Kilmarnock are currently eighth in the Premiership and still in the hunt for a top-six place. "
    "Mrs. Locke was at Rugby Park with the couple’s two children to see the team win."
)


def test_a_speech_in_several_paragraphs_is_cut_where_each_re_opens() -> None:
    sentences = [s.text for s in split_sentences(_SPEECH)]
    assert sentences[0] == "Locke was given the job on Friday."
    assert sentences[1].startswith("‘I had a taste") and sentences[1].endswith("for my family.")
    assert sentences[2].startswith("‘But I’ve said") and sentences[2].endswith("the case here.")
    assert sentences[3] == "‘That’s how football works in the end and I know what to expect.’"
    assert sentences[4].startswith("Kilmarnock are") and sentences[4].endswith("top-six place.")
    assert sentences[5] == "Mrs. Locke was at Rugby Park with the couple’s two children to see the team win."
    spans_ok(_SPEECH)


def test_a_quotation_left_open_by_mistake_does_not_swallow_the_story() -> None:
    # '"With this in mind, ...' never closes: the story after it is still sentences of its own.
    day = "The event on day {} drew hundreds of technology enthusiasts to Shoreditch."
    story = " ".join(day.format(n) for n in range(60))
    text = f'"With this in mind, I wondered if a camera could be made to dance at all. {story}'
    sentences = [s.text for s in split_sentences(text)]
    assert sentences[-1] == "The event on day 59 drew hundreds of technology enthusiasts to Shoreditch."
    assert max(len(s.split()) for s in sentences) <= 100
    spans_ok(text)


def test_a_long_segment_is_cut_again_even_when_it_opens_on_a_full_stop() -> None:
    # pysbd's segments do not start so, but a long one is cut again by our own rule: it must not
    # fail on a segment whose first sentence end has no word before it.
    piece = ". The " + "word " * 90 + "ends here. Next one."
    cuts = list(_inner_sentences(piece))
    assert cuts[0] == (0, 1)
    assert piece[cuts[-1][0] : cuts[-1][1]] == "Next one."
