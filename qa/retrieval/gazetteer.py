"""English names of places, with the Vietnamese the press writes for them.

An English question shares almost no words with a Vietnamese article, and the names it
does share are spelled differently: "Hanoi" is "Hà Nội", "Netherlands" is "Hà Lan",
"Vientiane" is "Viêng Chăn". The retriever adds the Vietnamese form after each English name
it knows, so both BM25 and the encoder see the article's own spelling:

>>> with_vietnamese_names("Did the Netherlands invest in Hanoi's metro?")
"Did the Netherlands (Hà Lan) invest in Hanoi's (Hà Nội) metro?"

The list holds countries, capitals and big cities that Vietnamese news names often, and
Vietnam's provinces and large cities. Only nouns: adjectives ("French", "European",
"Polish") also name languages and styles, and with them XQuAD's English questions lost 4
right first passages for 2 gained. Names spelled the same in both languages (Amsterdam,
Singapore) change nothing.
"""

from __future__ import annotations

import functools
import re

# "English names = the Vietnamese the press writes"; a few other Vietnamese spellings of
# a place stand on the left too ("TP Hồ Chí Minh" for "TP.HCM"), so a query naming them
# also searches for the usual one.
_PAIRS = """
Vietnam, Viet Nam = Việt Nam
Hanoi, Ha Noi = Hà Nội
Ho Chi Minh City, HCMC, Saigon, TP Hồ Chí Minh, TP HCM, TPHCM, Sài Gòn, TP Ho Chi Minh = TP.HCM
Da Nang = Đà Nẵng
Hai Phong, Haiphong = Hải Phòng
Can Tho = Cần Thơ
Hue = Huế
Quang Ninh = Quảng Ninh
Son La = Sơn La
Nghe An = Nghệ An
Khanh Hoa = Khánh Hòa
Dong Nai = Đồng Nai
Binh Duong = Bình Dương
Mekong = Mê Kông
Red River = sông Hồng
Laos, Lao = Lào
Vientiane = Viêng Chăn
Cambodia = Campuchia
Phnom Penh = Phnom Penh
Thailand = Thái Lan
Bangkok = Băng Cốc
China = Trung Quốc
Beijing = Bắc Kinh
Shanghai = Thượng Hải
Guangzhou, Canton = Quảng Châu
Guangdong = Quảng Đông
Guangxi = Quảng Tây
Yunnan = Vân Nam
Hong Kong = Hồng Kông
Taiwan = Đài Loan
Japan = Nhật Bản
Tokyo = Tokyo
South Korea, Korea = Hàn Quốc
North Korea = Triều Tiên
Seoul = Seoul
India = Ấn Độ
Indonesia = Indonesia
Malaysia = Malaysia
Philippines = Philippines
Myanmar, Burma = Myanmar
Southeast Asia = Đông Nam Á
ASEAN = ASEAN
Netherlands, Holland = Hà Lan
Germany = Đức
France = Pháp
Paris = Paris
United Kingdom, UK, Britain = Anh
London = Luân Đôn
Italy = Italy
Spain = Tây Ban Nha
Russia = Nga
Moscow = Moskva
Ukraine = Ukraine
Poland = Ba Lan
Europe = châu Âu
Eastern Europe = Đông Âu
Western Europe = Tây Âu
European Union, EU = Liên minh châu Âu
United States, USA, US, America = Mỹ
Washington = Washington
Canada = Canada
Australia = Australia
New Zealand = New Zealand
Africa = châu Phi
South Africa = Nam Phi
Asia = châu Á
Middle East = Trung Đông
United Nations, UN = Liên hợp quốc
"""


@functools.cache
def _table() -> tuple[re.Pattern, dict[str, str]]:
    names: dict[str, str] = {}
    for line in _PAIRS.strip().splitlines():
        english, vietnamese = line.split("=")
        for name in english.split(","):
            names[name.strip()] = vietnamese.strip()
    # Longest first, so "South Korea" wins over "Korea". Case-sensitive, as written above:
    # the pronoun "us" is not the US.
    alternatives = sorted(names, key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(map(re.escape, alternatives)) + r")\b('s)?"), names


def with_vietnamese_names(query: str) -> str:
    """``query`` with the Vietnamese form in brackets after each English name it knows."""
    pattern, names = _table()

    def add(m: re.Match) -> str:
        vietnamese = names[m.group(1)]
        return m.group(0) if vietnamese == m.group(1) else f"{m.group(0)} ({vietnamese})"

    return pattern.sub(add, query)
