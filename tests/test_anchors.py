"""An answer must stand beside what the question names (qa.anchors)."""

import pytest
from fakes import FakeEncoder, FakeGenerator
from hypothesis import given
from hypothesis import strategies as st

from corpus.article import Article
from embeddings.ingest import ingest
from qa.anchors import absent_places, invented_names, names, unanchored
from qa.answerer import Answerer
from qa.hit import Hit
from qa.library import open_index
from qa.refusal import RefusalPolicy
from qa.retriever import Retriever
from qa.titles import deputy_title, head_title


def hit(doc: str, text: str, title: str = "Tin") -> Hit:
    return Hit(doc, f"{doc}#0", text, 1.0, title, None, 0, len(text))


NL = hit("nl", "Đến hết năm 2024, kim ngạch giữa Hà Nội và Hà Lan đạt khoảng 1,165 tỷ USD.")
GZ = hit("gz", "Hà Nội và Quảng Châu ký biên bản hợp tác. Phó Thị trưởng Lại Chí Hồng phát biểu.")
RAIL = hit("rail", "Đến 2030, Hà Nội phấn đấu hoàn thành 96,8 km đường sắt đô thị.")
BUDGET = hit("hn", "Năm 2025, tổng thu ngân sách của Hà Nội đạt khoảng 641,7 nghìn tỷ đồng.")
HEAD = hit("vc", "Bí thư Thành ủy Viêng Chăn Anouphap Tounalom phát biểu tại hội đàm.")
ROAD = hit("road", "Trục đại lộ sông Hồng có tổng mức đầu tư dự kiến 855 nghìn tỷ đồng.")


@pytest.mark.parametrize(
    "question, expected",
    [
        ("Kim ngạch giữa Hà Nội và Quảng Châu đạt bao nhiêu?", [("Hà", "Nội"), ("Quảng", "Châu")]),
        ("Hà Lan đầu tư bao nhiêu?", [("Hà", "Lan")]),  # a name may open the question
        ("Thủ đô Viêng Chăn có gì?", [("Viêng", "Chăn")]),  # one capitalised word: no name
        ("Năm 2025 FDI vào Hà Nội, Hải Phòng?", [("FDI",), ("Hà", "Nội"), ("Hải", "Phòng")]),
        ("ha lan dau tu bao nhieu?", []),
        ("Việt Nam đứng thứ mấy tại Campuchia?", [("Việt", "Nam"), ("Campuchia",)]),  # a place
        ("Việt Nam đứng thứ mấy tại Đây?", [("Việt", "Nam")]),  # one word, no place
    ],
)
def test_names_are_runs_of_capitalised_words_or_acronyms(question, expected):
    assert names(question) == expected


def test_an_answer_about_another_place_is_apart_from_the_place_asked():
    q = "Kim ngạch thương mại giữa Hà Nội và Quảng Châu năm 2024 đạt bao nhiêu?"
    assert unanchored(q, "khoảng 1,165 tỷ USD [1].", [NL, GZ], [NL, GZ]) == ["Quảng Châu"]
    q = "Kim ngạch thương mại giữa Hà Nội và Hà Lan năm 2024 đạt bao nhiêu?"
    assert unanchored(q, "khoảng 1,165 tỷ USD [1].", [NL, GZ], [NL, GZ]) == []


def test_a_number_in_the_question_must_stand_beside_the_answer():
    q = "Tổng mức đầu tư cho 96,8 km đường sắt đô thị là bao nhiêu?"
    assert unanchored(q, "855 nghìn tỷ đồng [1]", [ROAD, RAIL], [ROAD, RAIL]) == ["96,8"]


def test_a_bare_number_is_held_only_where_it_stands_as_a_number():
    # "3" from "vị trí thứ 3" is not held by the Hà Lan passage's "1,3 tỷ USD".
    nl = hit("nl", "Đến nay, Hà Lan đã đầu tư trực tiếp trên 1,3 tỷ USD vào Hà Nội.")
    la = hit("la", "Hà Nội giữ vị trí thứ 3 trong số các nhà đầu tư tại Lào, sau Thái Lan.")
    q = "Hà Lan đứng thứ mấy trong số các nhà đầu tư tại Hà Nội?"
    assert unanchored(q, "3 [1]", [nl, la], [nl, la]) == ["Hà Lan"]


def test_a_name_opening_the_question_is_met_whole_when_passages_write_it_whole():
    # "Lan" alone would be met by "Thái Lan"; "Trước Manning" is not a name.
    nl = hit("nl", "Vốn của Hà Lan vào Hà Nội đạt 1,3 tỷ USD.")
    la = hit("la", "Đứng thứ 3 sau Trung Quốc và Thái Lan.")
    assert unanchored("Hà Lan đứng thứ mấy?", "thứ 3", [nl, la], [nl, la]) == ["Hà Lan"]
    sb = hit("sb", "Manning là thủ quân lớn tuổi nhất. Trước đó, John Elway giữ kỷ lục.")
    q = "Trước Manning, ai là thủ quân lớn tuổi nhất?"
    assert unanchored(q, "John Elway", [sb], [sb]) == []


def test_years_are_not_anchors():
    q = "Năm 2030 trục đại lộ sông Hồng có tổng mức đầu tư bao nhiêu?"
    assert unanchored(q, "855 nghìn tỷ đồng [1]", [ROAD, RAIL], [ROAD, RAIL]) == []


def test_dates_are_not_anchors_but_other_numbers_are():
    signed = hit("vc", "Hai bên đã ký 8 thỏa thuận cấp sở, ngành.")
    came = hit("hn", "Ngày 2/12/2025, 15 đoàn của Hà Nội tới Viêng Chăn.")
    q = "Theo bài về hội đàm ngày 2/12/2025, hai bên ký bao nhiêu thỏa thuận?"
    assert unanchored(q, "8 thỏa thuận [1]", [signed, came], [signed, came]) == []
    q = "Khi 15 đoàn tới, hai bên ký bao nhiêu thỏa thuận?"
    assert unanchored(q, "8 thỏa thuận [1]", [signed, came], [signed, came]) == ["15"]


def test_a_name_only_in_the_whole_passage_not_the_excerpt_still_counts():
    excerpt = hit("nl", "Kim ngạch giữa hai nước đạt khoảng 1,165 tỷ USD.")
    whole = hit("nl", "Việt Nam và Hà Lan là đối tác. " + excerpt.text)
    q = "Kim ngạch giữa Việt Nam và Quảng Châu đạt bao nhiêu?"
    other = hit("gz", "Việt Nam và Quảng Châu hợp tác.")
    assert unanchored(q, "1,165 tỷ USD", [excerpt, other], [whole, other]) == ["Quảng Châu"]
    q = "Kim ngạch giữa Việt Nam và Hà Lan đạt bao nhiêu?"
    assert unanchored(q, "1,165 tỷ USD", [excerpt, other], [whole, other]) == []


def test_a_place_only_a_retrieved_chunk_names_is_asked_about_too():
    mou = hit("vc", "Hà Nội và Viêng Chăn triển khai Biên bản ghi nhớ giai đoạn 2022 - 2025.")
    pp = hit("pp", "Đoàn Hà Nội thăm Phnom Penh, hai bên hội đàm.")
    q = "Hà Nội và Phnom Penh ký Biên bản ghi nhớ cho giai đoạn nào?"
    # the excerpt shown is the memorandum's; retrieval found Phnom Penh elsewhere
    assert unanchored(q, "2022 - 2025 [1]", [mou], [mou, pp]) == ["Phnom Penh"]
    assert unanchored(q, "2022 - 2025 [1]", [mou], [mou]) == []  # nowhere: not judged
    # a name that is no place is judged only where an excerpt shown names it
    q = "Hà Nội và ông Hun Sen ký Biên bản ghi nhớ cho giai đoạn nào?"
    other = hit("hs", "Ông Hun Sen tiếp đoàn.")
    assert unanchored(q, "2022 - 2025 [1]", [mou], [mou, other]) == []


@pytest.mark.parametrize(
    "question, absent",
    [
        ("Hà Lan đầu tư bao nhiêu vào TP Hồ Chí Minh?", ["TP Hồ Chí Minh"]),
        ("Ha Lan dau tu bao nhieu vao TP Ho Chi Minh?", ["TP Ho Chi Minh"]),
        ("Hà Lan đầu tư bao nhiêu vào Viêng Chăn?", []),  # written "Vientiane" there
        ("Hà Lan đầu tư bao nhiêu vào Hà Nội?", []),
        ("Tên của dự án bằng tiếng Anh là gì?", []),  # a language
        ("Ông Lại Chí Hồng đầu tư bao nhiêu?", []),  # no place
    ],
)
def test_a_place_no_article_found_names_is_absent(question, absent):
    found = [hit("a", "Hà Lan đầu tư vào Hà Nội và Vientiane.", title="Hà Lan")]
    assert absent_places(question, found) == absent


def test_the_answerer_refuses_a_question_about_a_place_no_article_names(tmp_path):
    encoder = FakeEncoder()
    docs = [Article(id="nl", title="Tin", text=NL.text)]
    ingest(open_index(tmp_path / "a", encoder), docs, encoder, lambda _: None)
    retriever = Retriever.load(tmp_path / "a", encoder)
    policy = RefusalPolicy(min_support=0, min_dense=0, min_grounding=0)
    answerer = Answerer(retriever, FakeGenerator("khoảng 1,165 tỷ USD [1]."), policy=policy)
    ans = answerer.ask("Kim ngạch giữa TP Hồ Chí Minh và Hà Lan đạt bao nhiêu?")
    assert ans.refused and "TP Hồ Chí Minh" in ans.unanchored
    assert not answerer.ask("Kim ngạch giữa Hà Nội và Hà Lan đạt bao nhiêu?").refused


def test_another_passage_repeating_the_answer_beside_the_name_counts():
    both = hit("gz2", "Ông Lại Chí Hồng dẫn đầu đoàn Quảng Châu.")
    q = "Ai ở Hà Lan và Quảng Châu?"
    shown = [hit("x", "Hà Lan đón ông Lại Chí Hồng."), hit("y", "Quảng Châu ký hợp tác.")]
    assert unanchored(q, "Lại Chí Hồng", shown, [*shown, both]) == []
    assert unanchored(q, "Lại Chí Hồng", shown, shown) == ["Quảng Châu"]


def test_a_place_is_met_under_another_outlet_s_spelling():
    # Two outlets, one event: the answer's verbatim passage writes "Vientiane", the question
    # and the other outlet "Viêng Chăn" (the gazetteer's pair).
    lao = hit("vt", "Hà Nội và Thủ đô Vientiane ký 8 thỏa thuận cấp sở, ngành.")
    vc = hit("vc", "Hà Nội và Thủ đô Viêng Chăn ký 8 thỏa thuận cấp sở ban ngành.")
    q = "Hà Nội và Viêng Chăn ký bao nhiêu thỏa thuận cấp sở, ngành?"
    assert unanchored(q, "8 thỏa thuận cấp sở, ngành", [vc, lao], [vc, lao]) == []
    # Another place under no name of the one asked is still apart.
    q = "Hà Nội và Quảng Châu ký bao nhiêu thỏa thuận cấp sở, ngành?"
    gz = hit("gz", "Hà Nội và Quảng Châu hợp tác.")
    assert unanchored(q, "8 thỏa thuận cấp sở, ngành", [lao, gz], [lao, gz]) == ["Quảng Châu"]


def test_a_place_sharing_one_syllable_with_the_place_asked_is_another_place():
    # "Quảng Trị" in the passage holding the answer once met "Quảng Châu" (half its words)
    lao = hit("lao", "Dự hội đàm có Phó Chủ tịch Nguyễn Xuân Lưu và Bí thư Tỉnh ủy Quảng Trị.")
    q = "Phó Chủ tịch nào làm việc với đoàn Quảng Châu?"
    assert unanchored(q, "Nguyễn Xuân Lưu [1]", [lao, GZ], [lao, GZ]) == ["Quảng Châu"]
    gz = hit("gz2", "Đoàn Quảng Châu làm việc với Phó Chủ tịch Dương Đức Tuấn.")
    assert unanchored(q, "Dương Đức Tuấn [1]", [lao, gz], [lao, gz]) == []


def test_part_of_a_name_met_together_still_counts():
    tuan = hit("t", "Phó Chủ tịch UBND thành phố Hà Nội Dương Đức Tuấn giao các đơn vị phối hợp.")
    q = "Ông Dương Đức Tuấn giao các đơn vị làm gì?"  # a title, not part of the name
    assert unanchored(q, "phối hợp [1]", [tuan, GZ], [tuan, GZ]) == []


def test_choice_questions_and_unlocated_answers_are_not_judged():
    q = "Hà Lan hay Quảng Châu có kim ngạch 1,165 tỷ USD?"
    assert unanchored(q, "Hà Lan [1]", [NL, GZ], [NL, GZ]) == []
    q = "Kim ngạch giữa Hà Nội và Quảng Châu đạt bao nhiêu?"
    assert unanchored(q, "rất lớn", [NL, GZ], [NL, GZ]) == []


def test_questions_without_diacritics_match_folded_names():
    q = "Kim ngach giua Ha Noi va Quang Chau dat bao nhieu?"
    assert unanchored(q, "1,165 tỷ USD", [NL, GZ], [NL, GZ]) == ["Quang Chau"]


def test_a_bare_name_is_not_met_by_another_name_sharing_a_syllable():
    # "Quang Chau" typed bare: the Quảng Trị secretary is no Quảng Châu secretary
    qt = hit("qt", "Đồng chí Nguyễn Văn Phương, Bí thư Tỉnh ủy tỉnh Quảng Trị, dự hội đàm.")
    q = "Ai la Bi thu Thanh uy thanh pho Quang Chau?"
    assert unanchored(q, "Nguyễn Văn Phương [1].", [qt, GZ], [qt, GZ]) == ["Quang Chau"]
    # an English question's names still meet half translated ones
    q = "Who is the Party Secretary of Quang Tri province?"
    assert unanchored(q, "Nguyễn Văn Phương [1].", [qt, GZ], [qt, GZ]) == []


@given(st.sampled_from(["Quảng Châu", "Hà Lan", "Viêng Chăn"]), st.integers(1, 999))
def test_an_answer_whose_passage_names_everything_asked_is_never_apart(place, amount):
    answer = f"{amount} triệu USD"
    own = hit("own", f"Hà Nội và {place} đạt {answer} năm nay.")
    decoy = hit("decoy", f"{place} và Hà Nội có 7 dự án.")
    q = f"Hà Nội và {place} đạt bao nhiêu?"
    assert unanchored(q, f"{answer} [1].", [own, decoy], [own, decoy]) == []


def test_a_deputy_is_no_answer_for_the_office_itself():
    assert deputy_title("Thị trưởng Quảng Châu là ai?", "Lại Chí Hồng [1]", [GZ]) == (
        "phó thị trưởng"
    )
    assert deputy_title("Phó Thị trưởng Quảng Châu là ai?", "Lại Chí Hồng [1]", [GZ]) is None
    both = hit("b", "Thị trưởng Lại Chí Hồng đến Hà Nội.")
    assert deputy_title("Thị trưởng Quảng Châu là ai?", "Lại Chí Hồng", [GZ, both]) is None


def test_a_deputy_title_is_found_across_the_words_between_it_and_the_name():
    far = hit("f", "Cùng dự có Phó Chủ tịch UBND thành phố Hà Nội Nguyễn Xuân Lưu.")
    q = "Chủ tịch UBND thành phố Hà Nội hiện nay là ai?"
    assert deputy_title(q, "Nguyễn Xuân Lưu [1].", [far]) == "phó chủ tịch"
    listed = hit("l", "Chủ tịch UBND Trần Sỹ Thanh và Phó Chủ tịch Nguyễn Xuân Lưu dự họp.")
    assert deputy_title(q, "Trần Sỹ Thanh [1].", [listed]) is None
    assert deputy_title(q, "Nguyễn Xuân Lưu [1].", [listed]) == "phó chủ tịch"
    assert deputy_title("Phó Chủ tịch UBND nào dự họp?", "Nguyễn Xuân Lưu", [far]) is None


def test_the_office_holder_is_no_answer_for_the_deputy():
    head = hit("h", "Bí thư Thành ủy Viêng Chăn Anouphap Tounalom phát biểu.")
    q = "Ai là Phó Bí thư Thành ủy Viêng Chăn?"
    assert head_title(q, "Anouphap Tounalom [1].", [head]) == "bí thư, not phó bí thư"
    assert head_title("Ai là Bí thư Thành ủy Viêng Chăn?", "Anouphap Tounalom", [head]) is None
    both = hit("b", "Phó Bí thư Thành ủy Anouphap Tounalom dự.")  # a deputy somewhere: kept
    assert head_title(q, "Anouphap Tounalom [1].", [head, both]) is None
    assert head_title(q, "Ông Khampheng [1].", [head]) is None  # no title given the person


def test_a_deputy_s_phó_just_outside_the_window_still_counts():
    # "phó" ends right where the 60 characters before the name begin
    text = "gồm phó giám đốc mới thuê của Văn phòng Tàu không gian có người lái Joseph Shea."
    p = hit("w", text)
    q = "Ai được thuê làm phó giám đốc của Văn phòng Tàu không gian có người lái?"
    assert head_title(q, "Joseph Shea", [p]) is None
    assert deputy_title(q.replace("phó ", ""), "Joseph Shea", [p]) == "phó giám đốc"


# --- wired into the answerer ---------------------------------------------------------


@pytest.fixture
def retriever(tmp_path):
    encoder = FakeEncoder()
    shown = (NL, GZ, BUDGET, HEAD, RAIL)
    docs = [Article(id=h.doc_id, title=f"Tin {h.doc_id}", text=h.text) for h in shown]
    ingest(open_index(tmp_path / "a", encoder), docs, encoder, lambda _: None)
    return Retriever.load(tmp_path / "a", encoder)


OPEN = dict(min_support=0, min_dense=0, min_grounding=0)


@pytest.mark.parametrize(
    "question, reply, apart",
    [
        (
            "Kim ngạch giữa Hà Nội và Quảng Châu đạt bao nhiêu?",
            "1,165 tỷ USD [1].",
            ("Quảng Châu",),
        ),
        ("Thị trưởng Quảng Châu là ai?", "Lại Chí Hồng [1].", ("phó thị trưởng",)),
        (
            "Ai là Phó Bí thư Thành ủy Viêng Chăn?",
            "Anouphap Tounalom [1].",
            ("bí thư, not phó bí thư",),
        ),
        ("Ai là Bí thư Thành ủy Viêng Chăn?", "Anouphap Tounalom [1].", ()),
        ("Kim ngạch giữa Hà Nội và Hà Lan đạt bao nhiêu?", "1,165 tỷ USD [1].", ()),
        (
            "Năm 2025 Hà Nội thu hút bao nhiêu vốn FDI?",
            "641,7 nghìn tỷ đồng [1].",
            ("budget, not investment",),
        ),  # qa.kinds
        ("Năm 2025 Hà Nội thu ngân sách bao nhiêu?", "641,7 nghìn tỷ đồng [1].", ()),
        (
            "Hiện nay Hà Nội đã vận hành bao nhiêu km đường sắt đô thị?",
            "96,8 km [1].",
            ("planned, not done",),
        ),  # qa.kinds.planned_instead
        ("Đến 2030 Hà Nội phấn đấu hoàn thành bao nhiêu km đường sắt?", "96,8 km [1].", ()),
        # no article here names Laos, the Hà Lan passage not Việt Nam ("năm" folded is no
        # "Nam"), and a place is no person
        (
            "Dai su Lao tai Viet Nam la ai?",
            "Hà Lan [1].",
            ("Viet Nam", "Lao", "a place, not a person"),
        ),
    ],
)
def test_the_answerer_refuses_an_answer_apart_from_what_was_asked(
    retriever, question, reply, apart
):
    ans = Answerer(retriever, FakeGenerator(reply), policy=RefusalPolicy(**OPEN)).ask(question)
    assert ans.refused == bool(apart) and ans.unanchored == apart
    assert ans.to_dict()["unanchored"] == list(apart)
    off = RefusalPolicy(**OPEN, anchors=False)
    assert not Answerer(retriever, FakeGenerator(reply), policy=off).ask(question).refused


def test_a_follow_up_searched_with_the_question_before_is_judged_on_its_own_names(retriever):
    a = Answerer(retriever, FakeGenerator("1,165 tỷ USD [1]."), policy=RefusalPolicy(**OPEN))
    history = [{"role": "user", "content": "Hà Nội ký gì với Quảng Châu?"}]
    ans = a.ask("Kim ngạch với Hà Lan đạt bao nhiêu?", history=history)
    assert not ans.refused


@pytest.mark.parametrize(
    "answer, invented",
    [
        ("Quảng Bình [1].", ["Quảng Bình"]),  # no passage writes it
        ("Lại Chí Hồng [1].", []),
        ("Quang Châu [1].", []),  # half-folded, as an answer to a bare question may write it
        ("Vientiane [1].", []),  # one word: not judged
        ("Thủ đô Viêng Chăn và Hà Nội [1].", []),
    ],
)
def test_invented_names(answer, invented):
    assert invented_names("Quảng Châu thuộc tỉnh nào?", answer, [GZ, HEAD]) == invented


def test_the_answerer_refuses_a_name_no_passage_writes(retriever):
    gen = FakeGenerator("Quảng Bình [1].")
    ans = Answerer(retriever, gen, policy=RefusalPolicy(**OPEN)).ask("Quảng Châu thuộc tỉnh nào?")
    assert ans.refused
    assert len(gen.prompts) == 1  # refused at once: asked again, a guess gives another
