from models.sentences import candidate_span, iter_sentences, split_sentences


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
