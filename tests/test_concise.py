"""An answer that restates the question before ``là`` keeps only its own words."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qa.citations import markers
from qa.concise import slot_word, trim_restatement

Q = "Ai là Đại sứ Hà Lan tại Việt Nam đến chào xã giao Bí thư Thành ủy?"


@pytest.mark.parametrize(
    "question, answer, trimmed",
    [
        (Q, "Đại sứ Hà Lan tại Việt Nam là Kees van Baar [1].", "Kees van Baar [1]."),
        ("Bí thư Thành ủy Hà Nội là ai?", "Bí thư Thành ủy Hà Nội là Đinh Tiến Dũng [1].",
         "Đinh Tiến Dũng [1]."),
        ("Tổng vốn đầu tư là bao nhiêu?", "Tổng vốn đầu tư là 1,3 tỷ USD [1]", "1,3 tỷ USD [1]"),
        # typed without diacritics: compared folded
        ("Pho Thi truong Quang Chau la ai?", "Pho Thi truong Quang Chau la Lai Chi Hong",
         "Lai Chi Hong"),
        # tone-mark spelling of the question does not matter
        ("Bí thư Thành uỷ là ai?", "Bí thư Thành ủy là ông A [1].", "Ông A [1]."),
        # the lead ends where the question word stood: the rest fills that slot
        ("Đầu tư sang Lào đang có xu hướng như thế nào?",
         "Đầu tư sang Lào đang có xu hướng tăng trở lại [1].", "Tăng trở lại [1]."),
        ("Hai bên tận dụng di sản văn hoá để làm gì?",
         "Hai bên tận dụng di sản văn hóa để thu hút du khách [1].", "Thu hút du khách [1]."),
        ("Tại sao Harvard bỏ nhập học sớm?", "Harvard bỏ nhập học sớm vì bất lợi [1].",
         "Vì bất lợi [1]."),
        ("Sieu do thi nay dung thu may?", "Sieu do thi nay dung thu hai [1]", "Thu hai [1]"),
        # "những gì" is the question word: the lead ends at the word before it
        ("Ha Noi huong toi Dai hoi voi nhung gi?", "Hà Nội hướng tới Đại hội với định hướng mới",
         "Định hướng mới"),
        # the question's words after the question word repeated too: only what fills it
        ("Sieu do thi nay dung thu may ve dan so?", "Sieu do thi nay dung thu hai ve dan so [1]",
         "Thu hai [1]"),
        ("Bức tường của ai có mảnh vỡ ở quanh Newcastle?",
         "Bức tường Hadrian có mảnh vỡ ở quanh Newcastle [1].", "Hadrian [1]."),
        ("Dòng lục lạp nào có ở thực vật đất liền?",  # "nào": the lead is the answer's head
         "Dòng lục lạp xanh lục có ở thực vật đất liền [1].", "Dòng lục lạp xanh lục [1]."),
        # the whole question up to its closing question word, "điều"/"là" left out
        ("Các hóa thạch ở Burgess Shale thiếu điều gì?",
         "Các hóa thạch ở Burgess Shale thiếu xúc tu [1].", "Xúc tu [1]."),
        ("Thời gian tăng trưởng dài hơn liên quan đến là gì?",
         "Thời gian tăng trưởng dài hơn liên quan đến sự bình đẳng [1].", "Sự bình đẳng [1]."),
        # a lead of the question's words ending at a comma: the question's own clause
        ("Điều gì đã xảy ra khi vi khuẩn lam bị hòa hợp?",
         "Vi khuẩn lam bị hòa hợp, nhiều gen đã mất đi [1].", "Nhiều gen đã mất đi [1]."),
        # the answer speaking of the passages, not of the news
        ("Định lý nào là cơ bản?", "Dựa trên đoạn trích, định lý Euclid [1].",
         "Định lý Euclid [1]."),
        ("Ai lập Ủy ban?", "Như đã mô tả trong đoạn trích [2], ông A lập Ủy ban [2].",
         "Ông A lập Ủy ban [2]."),
        # a numbered list's first mark
        ("Khổ đường sắt là bao nhiêu?", "1. 1.600 mm [1].", "1.600 mm [1]."),
        # English: the lead up to the last question word ("whose" opens a relative clause)
        ("Guangzhou, whose mayor met Hanoi's leaders, is a city in which country?",
         "Guangzhou, whose mayor met Hanoi's leaders, is a city in China [1].", "China [1]."),
    ],
)  # fmt: skip
def test_a_restated_lead_is_cut(question, answer, trimmed):
    assert trim_restatement(question, answer) == trimmed


@pytest.mark.parametrize(
    "answer",
    [
        "Kees van Baar [1].",  # already short
        "Đại sứ Kees van Baar là người Hà Lan [1].",  # the lead has words of its own
        "Hà Nội là [1].",  # nothing after "là": not cut to nothing
        "Lan là một tên riêng [1].",  # one syllable before "là" is too little to be a restatement
        "Hai bên ký 2 thỏa thuận [1].",  # no copula
        "Hà Nội, Viêng Chăn và Phnom Penh [1].",  # a comma after too short a lead
        "1. [1].",  # the number is the answer
    ],
)
def test_answers_that_do_not_restate_are_kept(answer):
    assert trim_restatement(Q.replace("Ai là ", ""), answer) == answer


@pytest.mark.parametrize(
    "question, answer",
    [
        # three syllables before the slot: the head of the answer's own noun phrase
        ("Dòng lục lạp nào có ở thực vật đất liền?", "Dòng lục lạp xanh lục [1]."),
        # the lead stops at a word of the answer's own, before reaching the slot
        ("Sự tiến hóa của phần nào của hệ miễn dịch xảy ra ở cá?",
         "Sự tiến hóa của hệ miễn dịch thích ứng xảy ra ở cá [1]."),
        # only part of the question's opening: that lead heads the answer's noun phrase
        ("Một hình thức đơn giản của bất tuân dân sự là gì?",
         "Bất tuân dân sự phi cách mạng [1]."),
        # the whole opening, but "nào" asks for a kind of what it names
        ("Tesla chết năm nào?", "Tesla chết năm 1943 [1]."),
        # nothing of its own after the slot
        ("Hà Nội muốn giữ vững danh hiệu gì?", "Hà Nội muốn giữ vững danh hiệu [1]."),
    ],
)  # fmt: skip
def test_a_lead_that_is_the_answers_own_is_kept(question, answer):
    assert trim_restatement(question, answer) == answer


@pytest.mark.parametrize(
    "question, folded, slot",
    [
        ("Hà Nội muốn giữ vững danh hiệu gì?", False, "hiệu"),
        ("Ai là Bí thư Thành ủy?", False, "ủy"),  # opens with it: its own last word
        ("Đứng thứ mấy về dân số?", False, "đứng"),
        ("Dau tu o dau?", True, "tu"),
        ("Dau tu vao dau?", True, None),  # folded, "dau" alone is also "đầu"
        ("Máy bay cất cánh ở đâu?", False, "cánh"),
        ("Hà Nội ký bao nhiêu thỏa thuận?", False, "ký"),
        ("Hà Nội ký thỏa thuận.", False, None),
        ("Who is the envoy who met them?", True, "envoy"),  # English: the last one
        ("Which city did he visit?", True, "visit"),
    ],
)
def test_slot_word_is_the_word_before_the_question_word(question, folded, slot):
    assert slot_word(question, folded) == slot


def test_each_sentence_is_trimmed_and_markers_stay():
    answer = "Bí thư là ông A [1]. Sau đó ông B [2]."
    out = trim_restatement("Bí thư là ai?", answer)
    assert out == "Ông A [1]. Sau đó ông B [2]."
    assert markers(out) == markers(answer)


WORDS = ["Hà", "Nội", "là", "Bí", "thư", "ông", "A", "1,3", "tỷ", "USD", "đầu", "tư", "Lan"]


@given(
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=8),
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=10),
)
def test_trimming_only_removes_a_lead(question_words, answer_words):
    question, answer = " ".join(question_words) + "?", " ".join(answer_words) + " [1]."
    out = trim_restatement(question, answer)
    assert markers(out) == [1]
    kept = out.removesuffix(" [1].")
    assert kept, "never trimmed to nothing"
    assert answer.lower().removesuffix(" [1].").endswith(kept.lower())
    assert trim_restatement(question, answer) == out  # deterministic
