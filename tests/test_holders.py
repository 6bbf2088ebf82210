"""The person given every office asked replaces a neighbour the model picked (qa.holders)."""

import pytest
from fakes import FakeEncoder, FakeGenerator

from corpus.article import Article
from embeddings.ingest import ingest
from qa.answerer import Answerer
from qa.hit import Hit
from qa.holders import asked_offices, holder, mentions, swapped_office
from qa.library import open_index
from qa.offices import named_offices, place_for_person, wrong_office
from qa.refusal import RefusalPolicy
from qa.retriever import Retriever


def hit(doc: str, text: str) -> Hit:
    return Hit(doc, f"{doc}#0", text, 1.0, "Tin", None, 0, len(text))


LIST = hit(
    "vc",
    "Cùng tham dự cuộc Hội đàm có đồng chí Nguyễn Văn Phương, Bí thư Tỉnh ủy tỉnh Quảng Trị; "
    "đồng chí Hà Minh Hải, Ủy viên Ban Thường vụ Thành ủy Hà Nội, Trưởng Ban Tổ chức Thành ủy "
    "Hà Nội; đồng chí Nguyễn Xuân Lưu, Ủy viên Ban Thường vụ Thành ủy, Phó Chủ tịch Ủy ban "
    "nhân dân thành phố Hà Nội.",
)
TALKS = hit(
    "talks",
    "Ngày 2/12/2025, ông Nguyễn Duy Ngọc, Ủy viên Bộ Chính trị, Bí thư Thành ủy Hà Nội, đã có "
    "cuộc hội đàm với ông Anouphap Tounalom, Bí thư Trung ương Đảng, Bí thư Thành ủy, Chủ tịch "
    "Hội đồng nhân dân Thủ đô Vientiane (Lào).",
)
GZ = hit(
    "gz",
    "Đánh giá cao ý kiến của phía Quảng Châu, Phó Chủ tịch UBND thành phố Hà Nội Dương Đức "
    "Tuấn mong muốn quan hệ hợp tác giữa hai bên tiếp tục được mở rộng.",
)
NL = hit(
    "nl",
    "Cùng dự buổi làm việc có Phó Chủ tịch UBND thành phố Hà Nội Nguyễn Xuân Lưu và đại diện "
    "một số sở, ban, ngành của thành phố.",
)


def test_mentions_find_people_with_the_titles_around_their_names():
    found = {m.name: m.titles for m in mentions("Ai dự?", [LIST, GZ])}
    assert set(found) == {"Nguyễn Văn Phương", "Hà Minh Hải", "Nguyễn Xuân Lưu", "Dương Đức Tuấn"}
    assert "Phó Chủ tịch Ủy ban" in found["Nguyễn Xuân Lưu"]
    assert "Trưởng Ban Tổ chức" not in found["Nguyễn Xuân Lưu"]  # the person before's
    assert "Phó Chủ tịch UBND thành phố Hà Nội" in found["Dương Đức Tuấn"]  # place cut off


def test_abbreviations_are_spelled_out_and_a_person_ends_the_office():
    assert asked_offices("Bí thư Thành ủy Nguyễn Duy Ngọc tiếp Chủ tịch HĐND nào?") == [
        ["bí", "thư", "thành", "ủy"],
        ["chủ", "tịch", "hội", "đồng", "nhân", "dân"],
    ]


@pytest.mark.parametrize(
    "question, answer, expected",
    [
        (  # the neighbour in the list holds only one of the two offices asked
            "Uỷ viên Ban Thường vụ Thành uỷ nào giữ chức Phó Chủ tịch UBND thành phố?",
            "Hà Minh Hải [1].",
            "Nguyễn Xuân Lưu [1].",
        ),
        (  # the other side of the talks
            "Hà Nội hội đàm với ai, Bí thư Thành ủy kiêm Chủ tịch HĐND Thủ đô của Lào?",
            "Nguyễn Duy Ngọc [1].",
            "Anouphap Tounalom [1].",
        ),
        (  # the same titles: the question's other name in the sentence decides
            "Phó Chủ tịch UBND thành phố Hà Nội nào làm việc với đoàn Quảng Châu?",
            "Nguyễn Xuân Lưu [2]",
            "Dương Đức Tuấn [2]",
        ),
        (  # a right answer stays
            "Ai là Trưởng Ban Tổ chức Thành ủy Hà Nội?",
            "Hà Minh Hải [1].",
            "Hà Minh Hải [1].",
        ),
        (  # nobody holds the office itself (only a deputy): left to the checks
            "Chủ tịch UBND thành phố Hà Nội là ai?",
            "Nguyễn Xuân Lưu [1].",
            "Nguyễn Xuân Lưu [1].",
        ),
        (  # not a who-question
            "Phó Chủ tịch UBND thành phố Hà Nội mong muốn điều gì?",
            "Nguyễn Xuân Lưu [1].",
            "Nguyễn Xuân Lưu [1].",
        ),
        (  # the person answered is named nowhere: nothing to compare
            "Ai là Phó Chủ tịch UBND thành phố Hà Nội?",
            "Nguyễn Văn A [1].",
            "Nguyễn Văn A [1].",
        ),
        (  # English questions are left alone
            "Who is the Vice Chairman of the Hanoi People's Committee?",
            "Hà Minh Hải [1].",
            "Hà Minh Hải [1].",
        ),
    ],
)
def test_holder(question, answer, expected):
    assert holder(question, answer, [LIST, TALKS, GZ, NL]) == expected


def test_two_people_with_every_office_asked_are_a_tie_left_alone():
    text = (
        "Ông Trần Văn Bình, Phó Chủ tịch UBND; ông Lê Văn Cường, Phó Chủ tịch UBND; "
        "ông Ngô Văn Dũng, Chánh Văn phòng."
    )
    three = hit("b", text)
    assert holder("Phó Chủ tịch UBND nào dự?", "Ngô Văn Dũng [1]", [three]) == "Ngô Văn Dũng [1]"
    alone = hit("c", text.replace("ông Lê Văn Cường, Phó Chủ tịch UBND; ", ""))
    assert holder("Phó Chủ tịch UBND nào dự?", "Ngô Văn Dũng [1]", [alone]) == "Trần Văn Bình [1]"


@pytest.mark.parametrize(
    "policy",
    [RefusalPolicy(min_support=0, min_dense=0, min_grounding=0), RefusalPolicy(checks=False)],
)
def test_the_answerer_gives_the_holder_and_cites_its_passage(tmp_path, policy):
    encoder = FakeEncoder()
    docs = [Article(id=h.doc_id, title=f"Tin {h.doc_id}", text=h.text) for h in (LIST, TALKS)]
    ingest(open_index(tmp_path / "a", encoder), docs, encoder, lambda _: None)
    retriever = Retriever.load(tmp_path / "a", encoder)
    q = "Uỷ viên Ban Thường vụ Thành uỷ nào giữ chức Phó Chủ tịch UBND thành phố?"
    ans = Answerer(retriever, FakeGenerator("Hà Minh Hải [1]."), policy=policy).ask(q)
    assert not ans.refused
    assert ans.text.startswith("Nguyễn Xuân Lưu")
    assert [h.doc_id for h in ans.citations] == ["vc"]


ENVOY = hit("kh", "Đại sứ Việt Nam tại Campuchia Nguyễn Huy Tăng cùng dự buổi hội đàm.")


@pytest.mark.parametrize(
    "question, swapped",
    [
        ("Đại sứ Campuchia tại Việt Nam là ai?", "đại sứ việt nam tại campuchia"),
        ("Đại sứ Việt Nam tại Campuchia là ai?", None),  # the office asked
        ("Ai là Đại sứ Campuchia?", None),  # no direction asked
        ("Dai su Campuchia tai Viet Nam la ai?", None),  # bare questions are not read
    ],
)
def test_the_other_country_s_envoy_is_caught(question, swapped):
    assert swapped_office(question, "Nguyễn Huy Tăng [1].", [ENVOY]) == swapped


def test_the_answerer_refuses_the_other_country_s_envoy(tmp_path):
    encoder = FakeEncoder()
    docs = [Article(id="kh", title="Tin kh", text=ENVOY.text)]
    ingest(open_index(tmp_path / "a", encoder), docs, encoder, lambda _: None)
    retriever = Retriever.load(tmp_path / "a", encoder)
    policy = RefusalPolicy(min_support=0, min_dense=0, min_grounding=0)
    answerer = Answerer(retriever, FakeGenerator("Nguyễn Huy Tăng [1]."), policy=policy)
    ans = answerer.ask("Đại sứ Campuchia tại Việt Nam là ai?")
    assert ans.refused and ans.unanchored == ("đại sứ việt nam tại campuchia",)
    assert not answerer.ask("Đại sứ Việt Nam tại Campuchia là ai?").refused


@pytest.mark.parametrize(
    "question, answer, caught",
    [
        # a Party Secretary for the envoy asked, in English, Vietnamese and without diacritics
        ("Which Vietnamese ambassador took part in the talks?", "Nguyễn Duy Ngọc [1].", True),
        ("Đại sứ nào dự hội đàm?", "Nguyễn Duy Ngọc [1].", True),
        ("Dai su nao du hoi dam?", "Nguyễn Duy Ngọc [1].", True),
        ("Pho Do truong Phnom Penh la ai?", "Nguyễn Huy Tăng [1].", True),
        # the office asked, or one of two asked
        ("Đại sứ Việt Nam tại Campuchia là ai?", "Nguyễn Huy Tăng [1].", False),
        ("Who is the ambassador?", "Nguyễn Huy Tăng [1].", False),
        ("Bí thư Thành ủy nào tiếp Đại sứ?", "Nguyễn Duy Ngọc [1].", False),
        ("Which Party Secretary held talks?", "Anouphap Tounalom [1].", False),
        ("Who is the Governor?", "Anouphap Tounalom", True),  # Bí thư, Chủ tịch HĐND
        ("Who is the President of the People's Council?", "Anouphap Tounalom", False),
        # no office asked, or not a who-question, or a person the passages give no office
        ("Ai dự hội đàm?", "Nguyễn Duy Ngọc [1].", False),
        ("Đại sứ Hà Lan gặp ai?", "Nguyễn Duy Ngọc [1].", False),  # the one who met
        ("Who did the ambassador meet?", "Nguyễn Duy Ngọc [1].", False),
        ("Đại sứ Hà Lan đã gặp lãnh đạo nào?", "Nguyễn Duy Ngọc [1].", False),
        ("Đại sứ mà Bí thư Thành ủy Hà Nội tiếp là ai?", "Nguyễn Duy Ngọc [1].", True),
        ("Bí thư mà Đại sứ Hà Lan tới chào là ai?", "Nguyễn Duy Ngọc [1].", False),
        ("Đại sứ nào dự hội đàm?", "Trần Văn Không [1].", False),
        ("Phó Chủ tịch nào làm việc?", "Nguyễn Xuân Lưu [1].", False),
        ("Chủ tịch nào làm việc?", "Nguyễn Xuân Lưu [1].", True),  # the deputy only
    ],
)  # fmt: skip
def test_a_holder_of_another_office_is_caught(question, answer, caught):
    assert bool(wrong_office(question, answer, [TALKS, ENVOY, NL])) == caught


def test_named_offices_render_english_offices_in_vietnamese():
    assert named_offices("Who is the vice mayor of Guangzhou?") == [("phó thị trưởng",)]
    assert named_offices("Tổng giám đốc nào?") == [("tổng giám đốc",)]
    assert named_offices("Dai su Lao tai Viet Nam la ai?") == [("dai su",)]
    assert named_offices("Ai dự họp?") == []


@pytest.mark.parametrize(
    "question, answer, caught",
    [
        ("Buổi làm việc diễn ra tại trụ sở cơ quan nào?", "Hà Nội [1].", "a place, not a body"),
        ("Buổi làm việc diễn ra tại trụ sở cơ quan nào?", "Thành ủy Hà Nội [1].", None),
        ("Tin được dẫn theo cơ quan thông tấn nào?", "TTXVN [1].", None),
        ("Đại hội được tổ chức vào thời gian nào?", "Hà Nội [1].", None),  # when, not a body
        ("Which organisation did Iqbal join in London?", "London [1].", "a place, not a body"),
    ],
)
def test_a_place_given_for_a_body_is_caught(question, answer, caught):
    assert place_for_person(question, answer) == caught
