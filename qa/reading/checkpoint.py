"""A training run's checkpoint: everything needed to continue exactly where it stopped.

The trainable weights, optimizer moments, schedule position and torch RNG state go to
``<out>/checkpoint/state.pt`` through a temporary file and an atomic rename, so a kill
mid-save leaves the previous checkpoint; ``progress.json`` says which step it holds.

>>> from pathlib import Path
>>> load_checkpoint(Path("/nonexistent"), None, None, None, log=lambda m: None)
0
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from qa.reading import model as reader_model


def save_checkpoint(ckpt: Path, model, opt, sched, step: int) -> None:
    """Trainable weights, optimizer, schedule and RNG to ``ckpt/state.pt``, atomically."""
    import torch

    ckpt.mkdir(parents=True, exist_ok=True)
    state = {
        "step": step,
        "model": reader_model.trained_state(model),
        "opt": opt.state_dict(),
        "sched": sched.state_dict(),
        "rng": torch.get_rng_state(),
    }
    tmp = ckpt / "state.pt.tmp"
    torch.save(state, tmp)
    os.replace(tmp, ckpt / "state.pt")
    (ckpt / "progress.json").write_text(json.dumps({"step": step, "time": time.time()}))


def load_checkpoint(ckpt: Path, model, opt, sched, log=print) -> int:
    """Restore what ``save_checkpoint`` wrote; the step to continue from (0 if none)."""
    import torch

    path = ckpt / "state.pt"
    if not path.is_file():
        log("no checkpoint to resume from; starting at step 0")
        return 0
    state = torch.load(path, weights_only=False)
    model.load_state_dict(state["model"], strict=False)
    opt.load_state_dict(state["opt"])
    sched.load_state_dict(state["sched"])
    torch.set_rng_state(state["rng"])
    log(f"resumed at step {state['step']}")
    return int(state["step"])
