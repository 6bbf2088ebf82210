"""Answers refused whatever the model's confidence: they refuse, say nothing, invent a number
or a name, share no word with the passages, or lack the quantity or unit asked.

>>> from qa.hit import Hit
>>> p = Hit("a", "a#0", "Ngày 2/12/2025, Hà Lan đầu tư 1,3 tỷ USD.", 1.0, "T", None, 0, 40)
>>> unfit("Hà Lan đầu tư bao nhiêu?", "1,3 tỷ USD [1].", [p], "vi")
False
>>> unfit("Hà Lan đầu tư bao nhiêu?", "7,8 tỷ USD [1].", [p], "vi")  # no passage holds 7,8
True
"""

from __future__ import annotations

from qa.anchors import invented_names
from qa.answer import wordless
from qa.citations import unsupported_numbers
from qa.counted import date_parts, misattached
from qa.grounding import foreign_to
from qa.hit import Hit
from qa.language import ENGLISH
from qa.quantities import complete_quantities
from qa.refusal import is_refusal, measured_instead, missing_quantity, missing_unit
from qa.yesno import asks_yes_no


def unfit(query: str, answer: str, passages: list[Hit], language: str) -> bool:
    """Whether ``answer`` refuses, says nothing, invents a number or a name, shares no word
    with the passages (a Vietnamese answer other than "Có"/"Không"), or lacks the quantity
    or the unit asked: refused whatever the model's confidence."""
    return (
        is_refusal(answer)
        or wordless(answer)
        or (language != ENGLISH and not asks_yes_no(query) and foreign_to(answer, passages))
        or invents(answer, passages, query, language)
        or invents_name(answer, passages, query, language)
        or missing_quantity(query, answer)
        or _in_wrong_unit(query, answer, passages)
    )


def _in_wrong_unit(query: str, answer: str, passages: list[Hit]) -> bool:
    """A figure in none of the units asked, or a measure for a count (qa.refusal), read once
    its number has the passage's unit ("63,5" is "63,5 tỷ USD", as it will be shown)."""
    said = complete_quantities(answer, passages)
    return missing_unit(query, said) or measured_instead(query, said)


def invents(answer: str, passages: list[Hit], query: str, language: str) -> bool:
    """Whether ``answer`` quotes a number no passage holds, or one they hold only inside a
    date ("12 days" from "2/12/2025"), or (Vietnamese answers) a number the passages hold
    counting something else ("855 km" for "855 nghìn tỷ đồng")."""
    if unsupported_numbers(answer, passages, query) or date_parts(answer, passages, query):
        return True
    return language != ENGLISH and bool(misattached(answer, passages))


def invents_name(answer: str, passages: list[Hit], query: str, language: str) -> bool:
    """Whether a Vietnamese ``answer`` names what no passage writes ("Quảng Bình",
    qa.anchors.invented_names). Refused at once: asked again, such a guess gave another
    ("Hà Nội"). English answers translate names ("Hanoi"), so they are not judged."""
    return language != ENGLISH and bool(invented_names(query, answer, passages))
