import json

import pytest
from fakes import FakeEncoder

from corpus.bundled import questions_path, seeds_dir
from qa.cli import main

HITS_KEYS = {"doc_id", "chunk_id", "score", "title", "date", "text", "start", "end"}


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
    assert out["query"] == "Hà Lan đầu tư bao nhiêu vào Hà Nội?"
    assert len(out["hits"]) == 3
    assert all(set(h) == HITS_KEYS for h in out["hits"])
    assert out["hits"][0]["doc_id"] == "000_7de53399bb164004"


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


@pytest.fixture
def fake_generator(monkeypatch):
    from fakes import FakeGenerator

    import qa.generator

    def reply(messages):
        # Extractive: the first passage's sentence sharing most words with the question,
        # cited. Asked to shorten it (a prompt without passages), it has nothing to offer.
        prompt = messages[-1].content
        if "[1]" not in prompt:
            return ""
        asked = set(prompt.rsplit("Câu hỏi:", 1)[1].lower().split())
        body = prompt.split("[1]", 1)[1].split("\n", 1)[1].split("\n[2]")[0]
        sentences = [x.strip() for x in body.replace("\n", " ").split(". ") if x.strip()]
        best = max(sentences, key=lambda x: len(asked & set(x.lower().split())))
        return best.rstrip(".") + " [1]."

    fake = FakeGenerator(reply)
    monkeypatch.setattr(qa.generator, "TransformersGenerator", lambda *a, **k: fake)
    return fake


def test_ask_streams_then_lists_sources(cli, capsys, fake_generator):
    capsys.readouterr()
    assert cli("ask", "Hà Lan đã đầu tư bao nhiêu vào Hà Nội?") == 0
    out, err = capsys.readouterr()
    assert "[1]" in out and "Nguồn:" in out
    assert "retrieve" in err and "total" in err


def test_ask_json_is_the_answer_record(cli, capsys, fake_generator):
    capsys.readouterr()
    assert cli("ask", "Hà Lan đã đầu tư bao nhiêu vào Hà Nội?", "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert {"answer", "citations", "refused", "timings", "passages"} <= set(out)
    assert out["citations"][0]["doc_id"] and out["refused"] is False


def test_ask_without_refusal_checks_answers_an_off_topic_question(cli, capsys, fake_generator):
    asked = "Giá vàng hôm nay là bao nhiêu?"  # nothing on it: the evidence gate refuses
    assert cli("ask", asked, "--json") == 0
    assert json.loads(capsys.readouterr().out)["refused"] and fake_generator.prompts == []
    assert cli("ask", asked, "--json", "--no-refusal-checks") == 0
    out = json.loads(capsys.readouterr().out)
    assert not out["refused"] and out["citations"] and fake_generator.prompts


def test_eval_without_refusal_checks_says_so(cli, capsys, tmp_path, fake_generator):
    out = tmp_path / "pred.jsonl"
    assert cli("eval", "--limit", "3", "--no-refusal-checks", "--out", str(out)) == 0
    assert "refusal checks: off" in capsys.readouterr().out
    assert cli("eval", "--limit", "3", "--out", str(out)) == 0
    assert "refusal checks" not in capsys.readouterr().out


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
    assert ids[:2] == ["q001", "q011"]
    assert cli("eval", "--no-generate", "--every", "0", "--out", str(out)) == 2
