import json

import pytest
from fakes import FakeEncoder

from corpus.bundled import questions_path, seeds_dir
from qa.interfaces.cli.main import main

# schema version 1 (docs/api.md); scores are under "debug"
HITS_KEYS = {"doc_id", "chunk_id", "title", "date", "source", "text", "start", "end"}


@pytest.fixture
def cli(tmp_path, monkeypatch):
    import embeddings.encoder

    fake = FakeEncoder()
    monkeypatch.setattr(embeddings.encoder, "default_encoder", lambda: fake)
    index = str(tmp_path / "idx")

    def run(*argv):
        return main([*argv, "--index", index])

    assert run("ingest", str(seeds_dir())) == 0
    return run


def test_search_json_contract(cli, capsys):
    capsys.readouterr()
    assert cli("search", "Hà Lan đầu tư bao nhiêu vào Hà Nội?", "--k", "3", "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert out["schema_version"] == 1 and set(out) == {"schema_version", "query", "hits", "debug"}
    assert out["query"] == "Hà Lan đầu tư bao nhiêu vào Hà Nội?"
    assert len(out["hits"]) == 3
    assert all(set(h) == HITS_KEYS for h in out["hits"])
    assert out["hits"][0]["doc_id"] == "000_7de53399bb164004"
    scores = [s["score"] for s in out["debug"]["scores"]]  # one per hit, best first
    assert len(scores) == 3 and scores == sorted(scores, reverse=True)


def test_search_text_output(cli, capsys):
    capsys.readouterr()
    assert cli("search", "Quảng Châu GDP", "--k", "2") == 0
    out = capsys.readouterr().out
    assert out.startswith("[1] ") and "score=" in out


def test_ingest_is_incremental_and_remove_works(cli, capsys, tmp_path):
    capsys.readouterr()
    assert cli("ingest", str(seeds_dir())) == 0
    assert "0 added, 0 updated, 5 unchanged" in capsys.readouterr().out
    assert cli("remove", "002_9d4bb506aa5ff774") == 0
    assert cli("remove", "no_such_id") == 1
    assert "not in the index: no_such_id" in capsys.readouterr().err
    assert cli("articles", "--json") == 0
    ids = {a["id"] for a in json.loads(capsys.readouterr().out)}
    assert "002_9d4bb506aa5ff774" not in ids and len(ids) == 4


def test_near_duplicates_are_grouped(cli, capsys):
    capsys.readouterr()
    cli("articles", "--json")
    rows = {a["id"]: a["group"] for a in json.loads(capsys.readouterr().out)}
    assert rows["001_7904d5da10fffaac"] == rows["004_77504261a22b19dc"]
    assert len(set(rows.values())) == 4


def test_bad_input_is_a_clear_error(cli, capsys):
    assert cli("search", "   ") == 2
    assert "empty" in capsys.readouterr().err
    assert cli("ingest", "/no/such/path") == 2
    assert main(["search", "x", "--index", "/no/such/index"]) == 2


def test_eval_writes_contract_files(cli, capsys, tmp_path):
    out = tmp_path / "pred.jsonl"
    assert cli("eval", str(questions_path()), "--no-generate", "--k", "5", "--out", str(out)) == 0
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) >= 60
    assert set(lines[0]) == {"id", "question", "retrieved", "latency_ms"}
    assert len(lines[0]["retrieved"]) == 5
    assert set(lines[0]["retrieved"][0]) == {"doc_id", "chunk_id", "score"}
    metrics = json.loads((tmp_path / "pred.metrics.json").read_text())
    assert "by_type" in metrics
    assert (tmp_path / "pred.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "R@1" in capsys.readouterr().out


ASKED = "Hà Lan đã đầu tư bao nhiêu vào Hà Nội?"
SPAN = "1,3 tỷ USD"
SENTENCE = "Hà Lan đã đầu tư trực tiếp trên 1,3 tỷ USD vào Hà Nội."


@pytest.fixture
def fake_generator(monkeypatch):
    """Fake models: a reader that answers ``ASKED`` with ``SPAN`` (and nothing else), and a
    generator that writes ``SENTENCE`` around it."""
    from fakes import FakeGenerator

    import qa.generation.generator
    import qa.reading.reader

    fake = FakeGenerator(SENTENCE)
    monkeypatch.setattr(qa.generation.generator, "TransformersGenerator", lambda *a, **k: fake)
    reader = qa.reading.reader.FakeReader({ASKED: SPAN})
    monkeypatch.setattr(qa.reading.reader, "TrainedReader", lambda *a, **k: reader)
    return fake


def test_ask_streams_then_lists_sources(cli, capsys, fake_generator):
    capsys.readouterr()
    assert cli("ask", ASKED) == 0
    out, err = capsys.readouterr()
    assert out.startswith(SENTENCE[:-1] + " [1].") and "Nguồn:" in out
    assert f"“{SPAN}”" in out  # the quoted source is the span itself
    assert "retrieve" in err and "total" in err


def test_ask_json_is_the_answer_record(cli, capsys, fake_generator):
    capsys.readouterr()
    assert cli("ask", ASKED, "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert {"answer", "citations", "refused", "timings", "passages", "span"} <= set(out)
    assert out["schema_version"] == 1 and 0 <= out["debug"]["p_no_answer"] <= 1
    assert "score" not in out["passages"][0] and "p_no_answer" not in out  # under "debug"
    assert out["citations"][0]["doc_id"] == "000_7de53399bb164004" and out["refused"] is False
    assert out["span"] == SPAN and out["answer"] == SENTENCE[:-1] + " [1]."


def test_ask_extractive_answers_with_the_span_alone(cli, capsys, fake_generator):
    capsys.readouterr()
    assert cli("ask", ASKED, "--json", "--extractive") == 0
    out = json.loads(capsys.readouterr().out)
    assert out["answer"] == SPAN + " [1]" and fake_generator.prompts == []


def test_ask_off_topic_is_refused_without_the_generator(cli, capsys, fake_generator):
    capsys.readouterr()
    assert cli("ask", "Giá vàng hôm nay là bao nhiêu?", "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert out["refused"] and out["span"] is None and out["citations"] == []
    assert fake_generator.prompts == []


def test_eval_extractive_says_so(cli, capsys, tmp_path, fake_generator):
    out = tmp_path / "pred.jsonl"
    assert cli("eval", "--limit", "3", "--extractive", "--out", str(out)) == 0
    assert "--extractive" in capsys.readouterr().out and fake_generator.prompts == []
    assert cli("eval", "--limit", "3", "--out", str(out)) == 0
    assert "--extractive" not in capsys.readouterr().out


def test_ask_bad_question_is_a_clear_error(cli, capsys, fake_generator):
    capsys.readouterr()
    assert cli("ask", "\x00\x01\x02" * 30) == 2
    assert "letters" in capsys.readouterr().err


def test_eval_with_generation_adds_answer_fields(cli, capsys, tmp_path, fake_generator):
    out = tmp_path / "pred.jsonl"
    assert cli("eval", str(questions_path()), "--limit", "6", "--out", str(out)) == 0
    line = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert {"answer", "citations", "refused"} <= set(line)
    assert {"first_token", "total"} <= set(line["latency_ms"])
    metrics = json.loads((tmp_path / "pred.metrics.json").read_text())
    assert metrics["answers"]["n"] == 6
    assert "F1" in capsys.readouterr().out


def test_eval_can_withhold_each_question_s_sources(cli, capsys, tmp_path, fake_generator):
    out = tmp_path / "pred.jsonl"
    assert cli("eval", "--limit", "4", "--withhold-sources", "--out", str(out)) == 0
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    asked = {json.loads(x)["id"]: json.loads(x) for x in questions_path().read_text().splitlines()}
    for line in lines:  # a withheld source is never retrieved nor cited
        sources = set(asked[line["id"]]["sources"])
        assert sources and not sources & {r["doc_id"] for r in line["retrieved"]}
        assert not sources & set(line["citations"])
    metrics = json.loads((tmp_path / "pred.metrics.json").read_text())
    assert metrics["answers"]["n_unanswerable"] == 4 and "refusal" in capsys.readouterr().out


def test_eval_every_takes_a_sample(cli, tmp_path):
    out = tmp_path / "pred.jsonl"
    assert cli("eval", "--no-generate", "--every", "10", "--out", str(out)) == 0
    ids = [json.loads(x)["id"] for x in out.read_text(encoding="utf-8").splitlines()]
    every = [json.loads(x)["id"] for x in questions_path().read_text("utf-8").splitlines()]
    assert ids == every[::10] and len(ids) >= 2
    assert cli("eval", "--no-generate", "--every", "0", "--out", str(out)) == 2


# --- bad input fails fast: before the encoder, the index or any model is loaded --------

NOT_UTF8 = b"\xff\xfe H\xe0 N\xf4i".decode("utf-8", "surrogateescape")  # as sys.argv has it


@pytest.fixture
def nothing_loads(monkeypatch, tmp_path):
    """``main`` over an index folder, with every loader failing the test if called."""
    import embeddings.encoder
    import qa.generation.generator
    import qa.reading.reader

    def refuse(*_a, **_k):
        raise AssertionError("bad input should fail before any model or index loads")

    monkeypatch.setattr(embeddings.encoder, "default_encoder", refuse)
    monkeypatch.setattr(qa.generation.generator, "TransformersGenerator", refuse)
    monkeypatch.setattr(qa.reading.reader, "TrainedReader", refuse)
    return lambda *argv: main([*argv, "--index", str(tmp_path / "idx")])


@pytest.mark.parametrize("command", ["search", "ask"])
@pytest.mark.parametrize(
    ("question", "says"),
    [
        ("", "empty"),
        (" \t\n ", "empty"),
        ("x" * 3000, "limit is 2000"),
        (NOT_UTF8, "not valid UTF-8 (byte 0xff at character 1)"),
    ],
)
def test_a_bad_question_fails_before_anything_loads(nothing_loads, capsys, command, question, says):
    assert nothing_loads(command, question) == 2
    err = capsys.readouterr().err
    assert err.startswith("hoidap: ") and says in err and "Traceback" not in err


def test_text_that_is_not_utf8_is_a_clear_error_over_an_index(cli, capsys):
    capsys.readouterr()
    assert cli("search", NOT_UTF8, "--json") == 2
    out, err = capsys.readouterr()
    assert out == "" and "not valid UTF-8" in err


@pytest.mark.parametrize("command", ["search", "ask"])
@pytest.mark.parametrize("flag", ["--from", "--to"])
@pytest.mark.parametrize(
    ("bad", "says"),
    [
        ("2025-13-45", "is not a real date"),
        ("2025-02-30", "is not a real date"),
        ("hôm qua", "dates are written YYYY-MM-DD"),
        ("24/12/2025", "dates are written YYYY-MM-DD"),
    ],
)
def test_a_bad_date_is_a_usage_error(nothing_loads, capsys, command, flag, bad, says):
    with pytest.raises(SystemExit) as exit_:
        nothing_loads(command, "Hà Nội?", flag, bad)
    assert exit_.value.code == 2
    assert f"hoidap {command}: error: argument {flag}: " in capsys.readouterr().err


@pytest.mark.parametrize("command", ["search", "ask"])
def test_from_after_to_is_a_clear_error(nothing_loads, capsys, command):
    assert nothing_loads(command, "Hà Nội?", "--from", "2025-12-31", "--to", "2025-01-01") == 2
    assert "--from 2025-12-31 is after --to 2025-01-01" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("command", "k", "most"),
    [
        ("search", "0", 100),
        ("search", "-1", 100),
        ("search", "2.5", 100),
        ("search", "101", 100),
        ("search", "năm", 100),
        ("ask", "0", 50),
        ("ask", "51", 50),
    ],
)
def test_a_bad_k_is_a_usage_error(nothing_loads, capsys, command, k, most):
    with pytest.raises(SystemExit) as exit_:
        nothing_loads(command, "Hà Nội?", "--k", k)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert f"argument --k: expected a whole number from 1 to {most}, got '{k}'" in err


def test_good_filters_still_narrow_the_search(cli, capsys):
    capsys.readouterr()
    argv = ["search", "Hà Nội", "--json", "--k", "10", "--from", "2025-12-10"]
    assert cli(*argv, "--to", "2025-12-31") == 0
    hits = json.loads(capsys.readouterr().out)["hits"]
    assert hits and all("2025-12-10" <= h["date"] <= "2025-12-31" for h in hits)
