import sys
from pathlib import Path

import pytest
from hypothesis import settings

sys.path.insert(0, str(Path(__file__).parent))

# Property tests check what holds, not how fast: on a loaded 2-core machine an example can
# take longer than Hypothesis's default 200 ms deadline and fail a correct test.
settings.register_profile("hoidap", deadline=None)
settings.load_profile("hoidap")

from fakes import FakeEncoder  # noqa: E402

from corpus.article import Article  # noqa: E402

ARTICLES = [
    Article(
        id="hl",
        title="Hà Nội và Hà Lan",
        text="Đến hết năm 2024, Hà Lan đã đầu tư trực tiếp trên 1,3 tỷ USD vào Hà Nội.\n\n"
        "Kim ngạch xuất nhập khẩu đạt khoảng 1,165 tỷ USD.",
        date="2025-12-25",
        source="thoidai.com.vn",
    ),
    Article(
        id="vc",
        title="Hà Nội và Viêng Chăn",
        text="Hai Thủ đô ký 2 thỏa thuận cấp Thành phố và 8 thỏa thuận cấp sở.\n\n"
        "Lễ trao Huân chương Phát triển hạng 2 cho Hà Nội.",
        date="2025-12-02",
        source="kinhtedothi.vn",
    ),
    Article(
        id="qc",
        title="Hà Nội tăng cường hợp tác với Quảng Châu",
        text="GDP năm 2024 của Quảng Châu đạt hơn 3.100 tỷ nhân dân tệ. Quảng Châu có hơn 4 triệu "
        "thực thể kinh doanh.",
    ),
]


@pytest.fixture
def encoder():
    return FakeEncoder()


@pytest.fixture
def articles():
    return list(ARTICLES)


@pytest.fixture
def make_service(tmp_path, encoder, articles):
    """A factory of started ``Service``s over one small fake-encoded index, any generator."""
    from embeddings.ingest import ingest
    from qa.library import open_index
    from qa.service import Service

    ingest(open_index(tmp_path / "idx", encoder), articles, encoder, lambda _m: None)

    def make(generator):
        return Service(tmp_path / "idx", encoder=encoder, generator=generator).start()

    return make
