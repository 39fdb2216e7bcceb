"""The multilingual bench's ROUGE section (issue 15): reading word-segmented VietNews files back
into running text, scoring on words of any script, and skipping with a reason when the data is
not there. The files are written here, in the dataset's format, with sentences made up for it."""

from __future__ import annotations

from pathlib import Path

from bench.multilingual import (
    REFERENCE_BODY_SENTENCES,
    VIETNEWS,
    _detokenize,
    _Words,
    print_report,
    reference_rouge,
    vietnews_references,
)

BODY = [
    "Sáng 5/9 , UBND TP. Đà_Nẵng khai_trương tuyến xe_buýt điện đầu_tiên nối sân_bay với bãi biển Mỹ_Khê .",
    "Tuyến xe dài 12 km , có 20 điểm dừng và chạy từ 5h đến 22h mỗi ngày .",
    "Giá vé là 8.000 đồng một lượt , học_sinh và người cao_tuổi được miễn_phí .",
    "Ông Nguyễn_Văn_A. , Giám_đốc sở Giao_thông , cho_biết thành_phố sẽ mở thêm 3 tuyến vào năm sau .",
    "Người_dân “ rất vui ” khi được đi xe sạch và êm .",
    "Trong tuần đầu , hành_khách được đi miễn_phí .",
    "Mỗi xe chở được 60 người và sạc đầy trong 2 giờ .",
    "Các xe được mua từ một công_ty trong nước .",
    "Thành_phố đã chi 50 tỷ đồng cho dự_án .",
    "Bến cuối nằm gần cầu Rồng .",
    "Câu thứ mười một không được đọc .",
    "Câu thứ mười hai cũng không .",
]


def write_article(folder: Path, name: str, abstract: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    text = (
        "Đà_Nẵng có tuyến xe_buýt điện đầu_tiên\n\n"
        f"{abstract}\n\n" + "\n".join(BODY) + "\n\nXe_buýt điện tại bến ( ảnh minh_hoạ ) .\n"
    )
    (folder / name).write_text(text, encoding="utf-8")


def test_word_segmented_text_becomes_running_text() -> None:
    assert _detokenize('Hà_Nội , ngày 5/9 ( SN 1994 ) nói “ nổ ” và " tự_sướng " .') == (
        'Hà Nội, ngày 5/9 (SN 1994) nói “nổ” và "tự sướng".'
    )


def test_rouge_words_keep_vietnamese_letters() -> None:
    assert _Words().tokenize("Đà Nẵng, 12 KM!") == ["đà", "nẵng", "12", "km"]


def test_references_read_title_abstract_and_the_first_body_sentences(tmp_path: Path) -> None:
    write_article(tmp_path / VIETNEWS, "000001.txt.seg", "Đà_Nẵng khai_trương tuyến xe_buýt điện đầu_tiên .")
    (ref,) = vietnews_references(tmp_path)
    assert ref.key == "000001"
    assert ref.title == "Đà Nẵng có tuyến xe buýt điện đầu tiên"
    assert ref.summary == "Đà Nẵng khai trương tuyến xe buýt điện đầu tiên."
    assert REFERENCE_BODY_SENTENCES == 10
    assert ref.text.startswith("Sáng 5/9, UBND TP. Đà Nẵng khai trương")
    assert ref.text.endswith("Bến cuối nằm gần cầu Rồng.")  # the 11th sentence and the caption are not read
    assert "mười một" not in ref.text and "ảnh" not in ref.text


def test_rouge_beside_lead_in_vietnamese(tmp_path: Path) -> None:
    folder = tmp_path / VIETNEWS
    # The abstract is the first body sentence: lead-1 matches it word for word.
    write_article(folder, "000001.txt.seg", BODY[0])
    write_article(folder, "000002.txt.seg", BODY[0])
    result = reference_rouge(tmp_path)
    assert result["articles"] == 2 and result["read_as"] == {"vi": 2}
    assert result["model"] == "extractive:lexical-tfidf"
    rouge = result["rouge"]
    assert rouge["lead-1"] == [100.0, 100.0, 100.0]
    assert 0 < rouge["lead-3"][0] < 100
    lines: list[str] = []
    print_report(
        {"digests": 0, "pages": 0, "languages": {}, "read_as_english": 0, "reference_rouge": result},
        log=lines.append,
    )
    assert any("VietNews (vi): 2 articles (read as vi 2)" in line for line in lines)
    assert any(line.split()[:2] == ["lead-1", "100.00"] for line in lines)


def test_without_the_data_the_section_is_skipped_with_its_reason(tmp_path: Path) -> None:
    result = reference_rouge(tmp_path / "eval-extra")
    missing = tmp_path / "eval-extra" / VIETNEWS
    assert result == {"skipped": f"no reference summaries at {missing} (see its README for how it is made)"}
    lines: list[str] = []
    print_report(
        {"digests": 0, "pages": 0, "languages": {}, "read_as_english": 0, "reference_rouge": result},
        log=lines.append,
    )
    assert lines[-1].startswith("  ROUGE in another language: skipped, no reference summaries at ")
