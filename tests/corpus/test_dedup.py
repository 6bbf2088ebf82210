import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.dedup import group_duplicates, signature, update_groups

# Small signature alphabet so that random articles often collide into groups.
sig = st.lists(st.integers(0, 3), min_size=128, max_size=128).map(
    lambda v: np.array(v, dtype=np.uint64)
)
ids = st.sampled_from([f"a{i}" for i in range(12)])


@settings(max_examples=120, deadline=None)
@given(st.dictionaries(ids, sig, max_size=12), st.lists(st.tuples(ids, st.none() | sig)))
def test_incremental_grouping_equals_grouping_from_scratch(start, steps):
    signatures = dict(start)
    groups = group_duplicates(signatures, threshold=0.3)
    for doc, new in steps:  # None removes the article, a signature adds or replaces it
        if new is None:
            signatures.pop(doc, None)
        else:
            signatures[doc] = new
        groups = update_groups(groups, signatures, {doc}, threshold=0.3)
        assert groups == group_duplicates(signatures, threshold=0.3)


def test_the_two_reports_of_one_meeting_are_grouped():
    a = "Hà Nội và Viêng Chăn nhất trí đẩy mạnh hợp tác đầu tư thương mại giáo dục y tế " * 3
    b = "Thủ đô Hà Nội và Viêng Chăn nhất trí đẩy mạnh hợp tác đầu tư, thương mại " * 3
    c = "Quảng Châu có hơn 4 triệu thực thể kinh doanh và GDP đạt 3.100 tỷ nhân dân tệ"
    groups = group_duplicates({"a": signature(a), "b": signature(b), "c": signature(c)})
    assert groups == {"a": "a", "b": "a", "c": "c"}
