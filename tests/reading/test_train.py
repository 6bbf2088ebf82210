"""Training the reader on a tiny random base: seeded runs give identical weights, a run
interrupted after a checkpoint and resumed ends exactly where an uninterrupted run does,
and the batches cover every window once per epoch."""

from __future__ import annotations

import json
from argparse import Namespace
from dataclasses import asdict, replace
from pathlib import Path

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from qa.reading import model as reader_model
from qa.reading import train as train_mod
from qa.reading.features import NO_OFFSET, Window
from qa.reading.train import TrainConfig, batches, collate, train

P0 = "Ông Ba đến Huế năm 2024 để dự lễ hội hoà bình và gặp Uỷ ban nhân dân."
P1 = "Hà Nội là thủ đô của Việt Nam; Hà Lan đã đầu tư 1,3 tỷ USD vào Hà Nội."
P2 = "Quảng Châu có hơn 4 triệu thực thể kinh doanh, GDP đạt 3.100 tỷ nhân dân tệ."


def _qa(qid, question, text=None, start=None, impossible=False):
    answers = [] if text is None else [{"text": text, "answer_start": start}]
    return {"id": qid, "question": question, "answers": answers, "is_impossible": impossible}


QAS = [
    [
        _qa("a", "Ai đến Huế rồi ra Hà Nội?", "Ông Ba", 0),
        _qa("b", "Năm nào Ông Ba đến Huế?", "2024", P0.index("2024")),
    ],
    [
        _qa("c", "Thủ đô nào có hơn 4 triệu dân?", "Hà Nội", 0),
        _qa("d", "Hà Lan đầu tư bao nhiêu?", "1,3 tỷ USD", P1.index("1,3") + 2),  # re-anchored
    ],
    [
        _qa("e", "Quảng Châu có bao nhiêu tỷ thực thể?", "4 triệu", P2.index("4 triệu")),
        _qa("f", "Ai ở Vinh?", impossible=True),
    ],
]
SQUAD = {
    "version": "v2.0",
    "data": [
        {
            "title": "Hà Nội",
            "paragraphs": [
                {"context": c, "qas": q} for c, q in zip((P0, P1, P2), QAS, strict=True)
            ],
        }
    ],
}

pytestmark = pytest.mark.usefixtures("one_torch_thread")

CFG = TrainConfig(
    seed=5,
    epochs=1.0,
    batch_size=3,
    lr=5e-3,
    warmup=0.3,
    frozen_layers=1,
    max_len=64,
    stride=16,
    negatives_every=2,
    checkpoint_minutes=0.0,
    dtype="fp32",
)


@pytest.fixture(scope="module")
def squad_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("data") / "tiny-squad.json"
    path.write_text(json.dumps(SQUAD, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory, tiny_base, squad_file) -> Path:
    """One whole 3-step run, the reference for the other runs."""
    return train([squad_file], tmp_path_factory.mktemp("run") / "reader", tiny_base, CFG, False)


def _weights(folder: Path) -> dict:
    from safetensors.torch import load_file

    return load_file(str(folder / reader_model.WEIGHTS))


def _checkpoint(folder: Path) -> dict:
    return torch.load(folder / "checkpoint" / "state.pt", weights_only=False)


def _same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_manifest_records_the_run(uninterrupted: Path, tiny_base: Path) -> None:
    man = reader_model.read_manifest(uninterrupted)
    assert man["steps"] == 3 and man["hyperparameters"] == asdict(CFG)
    assert man["training_windows"] == 9  # 6 questions + 3 own-article negatives
    (data,) = man["data"]
    assert data["file"] == "tiny-squad.json" and len(data["sha256"]) == 64
    assert (data["answerable"], data["unanswerable"]) == (5, 1)
    assert (data["reanchored"], data["dropped"], data["article_negatives"]) == (1, 0, 3)
    assert _checkpoint(uninterrupted)["step"] == 3
    # training changed the trained layers and the head, and nothing else was saved
    fresh = reader_model.trained_state(reader_model.build(tiny_base, CFG.frozen_layers))
    got = _weights(uninterrupted)
    assert got.keys() == fresh.keys()
    assert not torch.allclose(got["head.weight"].float(), fresh["head.weight"])


def test_same_seed_same_weights(uninterrupted: Path, tiny_base, squad_file, tmp_path) -> None:
    again = train([squad_file], tmp_path / "reader", tiny_base, CFG, False)
    assert _same(_weights(again), _weights(uninterrupted))
    assert _same(_checkpoint(again)["model"], _checkpoint(uninterrupted)["model"])  # fp32


def test_another_seed_other_weights(uninterrupted: Path, tiny_base, squad_file, tmp_path) -> None:
    other = train([squad_file], tmp_path / "other", tiny_base, replace(CFG, seed=6), False)
    assert not _same(_checkpoint(other)["model"], _checkpoint(uninterrupted)["model"])


class _Interrupted(Exception):
    pass


def test_resume_after_interruption_matches_an_uninterrupted_run(
    uninterrupted: Path, tiny_base, squad_file, tmp_path, monkeypatch, capsys
) -> None:
    save = train_mod._save_checkpoint

    def save_then_die(ckpt, model, opt, sched, step):
        save(ckpt, model, opt, sched, step)
        if step == 1:
            raise _Interrupted  # the process is killed right after the first checkpoint

    out = tmp_path / "reader"
    monkeypatch.setattr(train_mod, "_save_checkpoint", save_then_die)
    with pytest.raises(_Interrupted):
        train([squad_file], out, tiny_base, CFG, False)
    monkeypatch.undo()
    assert json.loads((out / "checkpoint" / "progress.json").read_text())["step"] == 1
    assert not (out / reader_model.MANIFEST).exists()

    steps = []
    loss = train_mod.span_loss
    monkeypatch.setattr(train_mod, "span_loss", lambda *a: steps.append(1) or loss(*a))
    capsys.readouterr()
    train([squad_file], out, tiny_base, CFG, True)
    assert "resumed at step 1" in capsys.readouterr().err
    assert len(steps) == 2  # only the steps left
    final, ref = _checkpoint(out)["model"], _checkpoint(uninterrupted)["model"]
    assert final.keys() == ref.keys()
    assert all(torch.allclose(final[k], ref[k], atol=0, rtol=0) for k in ref)
    assert _same(_weights(out), _weights(uninterrupted))


def test_resume_without_a_checkpoint_starts_over(tiny_base, squad_file, tmp_path, capsys) -> None:
    short = replace(CFG, epochs=0.34)  # one step
    train([squad_file], tmp_path / "r", tiny_base, short, True)
    assert "starting at step 0" in capsys.readouterr().err
    assert _checkpoint(tmp_path / "r")["step"] == 1


def test_init_continues_from_a_trained_reader(uninterrupted, tiny_base, squad_file, tmp_path):
    # lr 0: the second schedule changes nothing, so its weights are exactly the first run's
    still = replace(CFG, lr=0.0, init=str(uninterrupted))
    out = train([squad_file], tmp_path / "second", tiny_base, still, False)
    assert _same(_weights(out), _weights(uninterrupted))
    first = reader_model.read_manifest(uninterrupted)
    assert reader_model.read_manifest(out)["initialized_from"] == {
        "weights_sha256": first["weights_sha256"],
        "steps": first["steps"],
    }
    moved = train([squad_file], tmp_path / "moved", tiny_base, replace(still, lr=5e-3), False)
    assert not _same(_weights(moved), _weights(uninterrupted))


def test_init_refuses_other_frozen_layers(uninterrupted, tiny_base, squad_file, tmp_path) -> None:
    other = replace(CFG, frozen_layers=2, init=str(uninterrupted))
    with pytest.raises(SystemExit, match="--frozen-layers 1"):
        train([squad_file], tmp_path / "r", tiny_base, other, False)


def test_init_may_train_the_layers_it_kept_frozen(uninterrupted, tiny_base, squad_file, tmp_path):
    # Its frozen layer is the base's own: with lr 0 the new reader holds that layer as the
    # base has it, and the first reader's trained layers and head unchanged.
    still = replace(CFG, lr=0.0, frozen_layers=0, init=str(uninterrupted))
    out = train([squad_file], tmp_path / "deeper", tiny_base, still, False)
    first, deeper = _weights(uninterrupted), _weights(out)
    added = set(deeper) - set(first)
    assert added and all(".layer.0." in k for k in added)
    assert _same({k: deeper[k] for k in first}, first)
    base = reader_model.trained_state(reader_model.build(tiny_base, 0))
    assert all(torch.equal(deeper[k], base[k].to(deeper[k].dtype)) for k in added)


def test_cli_arguments_name_what_is_missing(tmp_path: Path) -> None:
    args = Namespace(data=[tmp_path / "nope.json"], out=tmp_path / "r", resume=False, base=None)
    with pytest.raises(SystemExit, match="nope.json"):
        train_mod.run_from_args(args)
    (tmp_path / "d.json").write_text("{}", encoding="utf-8")
    args = Namespace(data=[tmp_path / "d.json"], out=tmp_path / "r", resume=True, base=None)
    with pytest.raises(SystemExit, match="nothing to resume"):
        train_mod.run_from_args(args)


def _windows(lengths: list[int]) -> list[Window]:
    return [
        Window(example=i, passage=0, input_ids=(0,) * n, context_offsets=(NO_OFFSET,) * n)
        for i, n in enumerate(lengths)
    ]


@given(
    lengths=st.lists(st.integers(4, 300), max_size=400),
    batch_size=st.integers(1, 9),
    seed=st.integers(0, 10**6),
    epoch=st.integers(0, 5),
)
def test_batches_cover_every_window_once_per_epoch(lengths, batch_size, seed, epoch) -> None:
    wins = _windows(lengths)
    cfg = replace(CFG, seed=seed, batch_size=batch_size)
    got = batches(wins, cfg, epoch)
    assert got == batches(wins, cfg, epoch)  # deterministic
    assert sorted(i for b in got for i in b) == list(range(len(wins)))
    assert len(got) == -(-len(wins) // batch_size)  # the loop's steps per epoch
    assert all(1 <= len(b) <= batch_size for b in got)
    # length-bucketed: within a pool of 50 batches, batches hold neighbouring lengths
    if len(wins) <= batch_size * 50:
        spans = sorted((min(lengths[i] for i in b), max(lengths[i] for i in b)) for b in got)
        assert all(hi <= lo2 for (_, hi), (lo2, _) in zip(spans, spans[1:], strict=False))


def test_batches_change_with_epoch_and_seed() -> None:
    wins = _windows(list(range(10, 70)))
    first = batches(wins, CFG, 0)
    assert first != batches(wins, CFG, 1)
    assert first != batches(wins, replace(CFG, seed=CFG.seed + 1), 0)


def test_collate_pads_masks_and_labels() -> None:
    a = Window(
        example=0,
        passage=0,
        input_ids=(0, 9, 2, 2, 7, 8, 2),
        context_offsets=(NO_OFFSET,) * 4 + ((0, 3), (3, 6), NO_OFFSET),
        start=4,
        end=5,
    )
    b = Window(
        example=1,
        passage=0,
        input_ids=(0, 9, 2, 2, 7, 2),
        context_offsets=(NO_OFFSET,) * 4 + ((0, 3), NO_OFFSET),
    )
    ids, mask, cmask, starts, ends = collate([a, b], [1, 0], pad_id=1)
    assert ids.tolist() == [[0, 9, 2, 2, 7, 2, 1], [0, 9, 2, 2, 7, 8, 2]]
    assert mask.tolist() == [[1, 1, 1, 1, 1, 1, 0], [1] * 7]
    # <s> (the no-answer position) and context tokens only: never the question or padding
    assert cmask.tolist() == [[True, False, False, False, True, False, False],
                              [True, False, False, False, True, True, False]]  # fmt: skip
    assert starts.tolist() == [0, 4] and ends.tolist() == [0, 5]
