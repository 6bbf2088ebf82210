"""One seam per component: the Answerer takes any Retriever, Reader and Generator meeting
its protocol, and hands both the retriever and the reader one analysed Question."""

import re
from pathlib import Path

import pytest
from fakes import FakeGenerator, ScriptedGenerator

from embeddings.ingest import ingest
from qa.answering.answerer import Answerer
from qa.generation.generator import Generator, TransformersGenerator
from qa.reading.reader import FakeReader, Reader, TrainedReader
from qa.records.question import Question
from qa.retrieval import retriever as retriever_module
from qa.retrieval.indexes import open_index
from qa.retrieval.retriever import HybridRetriever, Retriever, analyse

ARCHITECTURE = Path(__file__).parents[2] / "docs" / "architecture.md"
ASKED = "Hà Lan đã đầu tư bao nhiêu vào Hà Nội?"


@pytest.fixture
def retriever(tmp_path, encoder, articles):
    ingest(open_index(tmp_path / "idx", encoder), articles, encoder, lambda _m: None)
    return HybridRetriever.load(tmp_path / "idx", encoder)


def docs_example() -> str:
    """The Python block of the "Bring your own component" section, as the reader sees it."""
    section = ARCHITECTURE.read_text(encoding="utf-8").split("## Bring your own component")[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_docs_example_runs_as_written(retriever, monkeypatch, capsys):
    # The docs open the default index; here that is the small test index.
    monkeypatch.setattr(HybridRetriever, "load", classmethod(lambda cls, *a, **kw: retriever))
    names: dict = {}
    exec(compile(docs_example(), str(ARCHITECTURE), "exec"), names)
    answer = names["answer"]
    assert isinstance(names["FirstSentenceReader"](), Reader)
    assert not answer.refused and answer.citations[0].doc_id == "hl"
    assert answer.text == f"{answer.span} [1]" and answer.citations[0].text.startswith(answer.span)
    assert capsys.readouterr().out == answer.text + "\n"


def test_the_shipped_parts_and_the_fakes_meet_the_protocols(retriever):
    assert isinstance(retriever, Retriever)
    assert isinstance(TrainedReader(), Reader) and isinstance(FakeReader({}), Reader)
    for generator in (TransformersGenerator(), FakeGenerator(), ScriptedGenerator([])):
        assert isinstance(generator, Generator)


class Recording:
    """Wraps a retriever or a reader, keeping what each ``run`` was given."""

    def __init__(self, part):
        self.part, self.given = part, []

    def warm_up(self):
        self.part.warm_up()

    def run(self, question, *args, **kwargs):
        self.given.append(question)
        return self.part.run(question, *args, **kwargs)


def counting(monkeypatch) -> list[str]:
    """Every text the language is guessed for, from now on."""
    seen: list[str] = []
    guess = retriever_module.query_language

    def counted(text, folded=None):
        seen.append(text)
        return guess(text, folded)

    monkeypatch.setattr(retriever_module, "query_language", counted)
    return seen


def test_a_question_is_analysed_once_and_both_parts_get_that_record(retriever, monkeypatch):
    searcher, reader = Recording(retriever), Recording(FakeReader({ASKED: "1,3 tỷ USD"}))
    a = Answerer(searcher, reader=reader, extractive=True)
    a.warm_up()
    seen = counting(monkeypatch)
    ans = a.ask(ASKED)
    assert seen == [ASKED] and ans.span == "1,3 tỷ USD"
    (searched,), (read,) = searcher.given, reader.given
    assert isinstance(searched, Question) and searched is read and searched == analyse(ASKED)
    assert searched.language == ans.language == "vi" and searched.folded == analyse(ASKED).folded


def test_a_rewritten_follow_up_is_analysed_once_more(retriever, monkeypatch):
    searcher, reader = Recording(retriever), Recording(FakeReader({}))
    history = [{"role": "user", "content": "Hà Nội hợp tác với Viêng Chăn ra sao?"}]
    seen = counting(monkeypatch)
    Answerer(searcher, reader=reader, extractive=True).ask("Còn với Quảng Châu?", history)
    assert seen == ["Còn với Quảng Châu?", "Hà Nội hợp tác với Quảng Châu ra sao?"]
    assert searcher.given == reader.given
    assert searcher.given[0].follow_up and searcher.given[0].text == seen[1]


def test_the_search_query_shown_is_the_one_searched(retriever):
    # An earlier turn typed with old-style tones ("hoà") is searched normalized ("hòa"), as
    # it always was; the answer's ``query`` now shows that normalized text too.
    typed = "Uỷ ban hoà bình của Hà Nội làm gì?"
    history = [{"role": "user", "content": typed}]
    ans = Answerer(retriever, reader=FakeReader({}), extractive=True).ask("Họ làm gì?", history)
    assert ans.query == "Ủy ban hòa bình của Hà Nội làm gì? Họ làm gì?"
    assert ans.passages == tuple(retriever.search(f"{typed} Họ làm gì?", k=5))
