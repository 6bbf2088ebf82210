"""An answer's numbers and dates written the way the passages write them, and a Vietnamese
question's "Yes"/"No" as "Có"/"Không".

The refusal checks look for the answer in the passages, and the user should read what the
article says ("1,6 lần", "hai đội", "23/12/2025"), not the model's rewording of it.

>>> from qa.hit import Hit
>>> p = Hit("a", "a#0", "Manning dẫn dắt hai đội khác nhau.", 1.0, "T", None, 0, 34)
>>> as_written("Manning đưa bao nhiêu đội?", "2 đội [1].", [p], "vi")
'hai đội [1].'
"""

from __future__ import annotations

from qa.citations import snap_numbers
from qa.counted import recount
from qa.dates import range_as_written, snap_dates
from qa.hit import Hit
from qa.language import ENGLISH
from qa.numerals import spell_as_written
from qa.rates import per_year
from qa.yesno import vietnamese_yes_no


def as_written(query: str, answer: str, passages: list[Hit], language: str) -> str:
    """Numbers written (qa.citations.snap_numbers) and counted (qa.counted.recount) the
    passages' way; in Vietnamese, a yearly figure where one is asked (qa.rates.per_year)
    and small numbers in words where the passages write them so (qa.numerals), a range as
    the text writes it; a heading's ISO date as the text writes that day (qa.dates); a
    Vietnamese answer begun "Yes, …" begun "Có, …" (qa.yesno)."""
    answer = snap_dates(answer, passages)
    if language != ENGLISH:
        answer = spell_as_written(per_year(query, answer, passages), passages, query)
        answer = range_as_written(answer, passages)
    answer = recount(query, snap_numbers(answer, passages), passages)
    return answer if language == ENGLISH else vietnamese_yes_no(query, answer)
