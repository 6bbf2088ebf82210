"""``Filters`` are checked when made: real ISO dates in order, collections of string ids."""

import pytest

from qa.records.hit import Filters
from qa.retrieval.retriever import QueryError  # where callers catch it; a FilterError is one

BAD_DATES = ["2025-13-45", "hôm qua", "2025-02-30", "20251224", "２０２５-01-01", "", 20251224]


@pytest.mark.parametrize("field", ["date_from", "date_to"])
@pytest.mark.parametrize("bad", BAD_DATES)
def test_a_date_that_is_not_a_real_iso_date_is_refused(field, bad):
    with pytest.raises(QueryError, match=rf"{field}: .*(YYYY-MM-DD|not a real date)"):
        Filters(**{field: bad})


def test_a_range_that_ends_before_it_starts_is_refused():
    with pytest.raises(QueryError, match=r"date_from \(2025-12-31\) is after date_to"):
        Filters(date_from="2025-12-31", date_to="2025-01-01")
    one_day = Filters(date_from="2025-12-25", date_to="2025-12-25")
    assert one_day.allows("hl", "2025-12-25", None) and not one_day.allows("hl", "2025-12-26", None)


def test_filter_errors_are_query_errors_that_callers_already_report():
    import qa.records.hit

    assert issubclass(qa.records.hit.FilterError, QueryError) and issubclass(QueryError, ValueError)
    # the CLI, chat and REST import it from the retriever
    assert qa.records.hit.QueryError is QueryError


@pytest.mark.parametrize("field", ["doc_ids", "sources"])
def test_ids_and_outlets_are_any_collection_of_strings_kept_as_a_frozenset(field):
    for given in (["a", "b"], ("a", "b"), {"a", "b"}, frozenset({"a", "b"})):
        assert getattr(Filters(**{field: given}), field) == frozenset({"a", "b"})
    assert getattr(Filters(**{field: []}), field) == frozenset()  # nothing allowed
    assert getattr(Filters(), field) is None  # no restriction


@pytest.mark.parametrize("field", ["doc_ids", "sources"])
@pytest.mark.parametrize("bad", ["abc", b"abc", 5, ["a", 1], [None], [["a"]]])
def test_a_lone_string_or_non_string_ids_are_refused(field, bad):
    # a lone str would be read as its characters: doc_ids="abc" -> {"a", "b", "c"}
    with pytest.raises(QueryError, match=rf"{field} must (be a collection of|hold) strings"):
        Filters(**{field: bad})


@pytest.mark.parametrize("bad", [0, -1, 101, "5", 2.5, True, None])
def test_check_k_wants_a_whole_number_in_range(bad):
    from qa.records.hit import check_k

    with pytest.raises(QueryError, match="k must be a whole number from 1 to 100"):
        check_k(bad, 100)
    assert check_k(100, 100) == 100
