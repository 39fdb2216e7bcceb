"""The real packaged model (slow tier): hash check, loading once, embeddings that mean something,
the int8 export's cache and what serving it costs."""

import json
import logging
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from bot.core.errors import ModelError
from models.encoder import MINILM_SHA256, EncoderOptions, load_encoder, packaged_model_dir, verify_weights
from models.onnx_export import sha256_file

SENTENCES = [
    "The central bank raised interest rates by half a point.",
    "Borrowing costs went up after the central bank's decision.",
    "The striker scored twice in the second half.",
    "Cats sleep.",
    "Officials said the bridge would stay closed until engineers had inspected every cable.",
]


def test_packaged_weights_match_upstream_hash() -> None:
    verify_weights(packaged_model_dir() / "model.safetensors", MINILM_SHA256)


def test_a_missing_onnxruntime_is_a_model_error_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # what an old install without it meets
    with pytest.raises(ModelError, match="needs onnxruntime, which is not installed"):
        load_encoder.__wrapped__(EncoderOptions(cache_dir=tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_tampered_weights_are_refused(tmp_path: Path) -> None:
    fake = tmp_path / "model.safetensors"
    fake.write_bytes(b"not the real weights")
    with pytest.raises(ModelError, match="do not match"):
        verify_weights(fake)


@pytest.mark.slow
def test_loads_once_per_process() -> None:
    assert load_encoder(EncoderOptions()) is load_encoder(EncoderOptions())


@pytest.mark.slow
@pytest.mark.parametrize("quantize", [True, False])
def test_embeddings_are_unit_length_and_semantic(quantize: bool) -> None:
    enc = load_encoder(EncoderOptions(quantize=quantize))
    emb = enc.encode(
        [
            "The central bank raised interest rates by half a point.",
            "Borrowing costs went up after the central bank's decision.",
            "The striker scored twice in the second half.",
        ]
    )
    assert emb.shape == (3, 384)
    assert np.allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-4)
    assert emb[0] @ emb[1] > emb[0] @ emb[2] + 0.2


@pytest.mark.slow
def test_int8_stays_close_to_fp32() -> None:
    sentences = [
        f"Sentence {i}: the council met to discuss the harbour wall and the budget." for i in range(5)
    ]
    q = load_encoder(EncoderOptions(quantize=True)).encode(sentences)
    f = load_encoder(EncoderOptions(quantize=False)).encode(sentences)
    assert (q * f).sum(axis=1).min() > 0.9
    # per-channel int8 weights: torch's per-tensor dynamic quantization averaged 0.94 on these
    q, f = (load_encoder(EncoderOptions(quantize=k)).encode(SENTENCES) for k in (True, False))
    assert (q * f).sum(axis=1).mean() > 0.97


def test_batches_hold_the_models_own_tokens_within_the_caps() -> None:
    """The encoder reads tokenizer.json itself (no transformers import): the same word pieces as
    the model's transformers tokenizer, cut at 128, each batch padded to its longest sentence and
    holding at most BATCH_SIZE sentences and BATCH_TOKENS tokens."""
    from transformers import AutoTokenizer

    from models.encoder import BATCH_SIZE, BATCH_TOKENS, Encoder, _tokenizer

    folder = packaged_model_dir()
    texts = [*SENTENCES * 5, "word " * 300, "", *(f"{'long ' * n}sentence." for n in range(20, 120, 7))]
    want = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)(
        texts, truncation=True, max_length=128
    )["input_ids"]
    encoder = Encoder(_tokenizer(folder), lambda ids, mask: ids, "probe", quantized=True)
    batches, order = encoder.preprocess(texts)
    assert sorted(order) == list(range(len(texts)))
    got, at = {}, 0
    for ids, mask in batches:
        assert len(ids) <= BATCH_SIZE and ids.size <= BATCH_TOKENS
        assert mask[:, -1].any()  # padded to the batch's longest sentence, no further
        for row, keep in zip(ids, mask, strict=True):
            assert not row[keep == 0].any()  # [PAD] is 0
            got[order[at]] = row[keep == 1].tolist()
            at += 1
    assert [got[i] for i in range(len(texts))] == want
    assert max(map(len, want)) == 128
    assert len(batches) > len(texts) // BATCH_SIZE + 1  # the long ones came in smaller batches


def _most_passes_at_once(exclusive: bool) -> int:
    """Two workers encode at once through a runner that waits (up to 1 s) for the other's pass."""
    from models.encoder import Encoder, _tokenizer

    lock, both = threading.Lock(), threading.Event()
    inside, most = 0, 0

    def runner(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        nonlocal inside, most
        with lock:
            inside += 1
            most = max(most, inside)
            if inside == 2:
                both.set()
        both.wait(timeout=1.0)  # the other worker's pass arrives, or never does (exclusive)
        with lock:
            inside -= 1
        return np.ones((*ids.shape, 384), dtype=np.float32)

    encoder = Encoder(_tokenizer(packaged_model_dir()), runner, "probe", quantized=True, exclusive=exclusive)
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(encoder.encode, [SENTENCES[:1], SENTENCES[1:2]]))
    return most


def test_onnx_forward_passes_run_side_by_side_and_torch_ones_one_at_a_time() -> None:
    """ONNX Runtime sessions are thread-safe: two workers' passes overlap (one core each);
    torch's (``exclusive``) wait for each other."""
    assert _most_passes_at_once(exclusive=False) == 2
    assert _most_passes_at_once(exclusive=True) == 1


SERVING_PROBE = """
import json, re, sys
from pathlib import Path
from models.encoder import load_encoder
emb = load_encoder().encode(["The council met to discuss the harbour wall."] * 40)
peak_kb = int(re.search(r"VmHWM:\\s+(\\d+)", Path("/proc/self/status").read_text()).group(1))
print(json.dumps({"rows": len(emb), "modules": sorted(m for m in ("torch", "transformers")
      if m in sys.modules), "peak_mb": peak_kb / 1024}))
"""
# (VmHWM, not getrusage: on Linux ru_maxrss survives exec, so a child of this pytest process would
# report pytest's own peak)


@pytest.mark.slow
def test_serving_the_int8_encoder_loads_no_torch_and_stays_small() -> None:
    load_encoder()  # builds the cached export first, if this machine has none yet
    out = subprocess.run([sys.executable, "-c", SERVING_PROBE], capture_output=True, text=True, check=True)
    probe = json.loads(out.stdout)
    assert probe["rows"] == 40
    assert probe["modules"] == []
    assert probe["peak_mb"] < 300  # torch's int8 model peaked at 455 MB here before its first batch


@pytest.mark.slow
def test_a_tampered_cached_export_is_rebuilt(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    options = EncoderOptions(cache_dir=tmp_path)
    reference = load_encoder(options).encode(SENTENCES)
    (folder,) = tmp_path.glob("minilm-int8-*")
    cached = folder / "model.data"  # the weights, mapped by ONNX Runtime
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["source_sha256"] == MINILM_SHA256
    assert manifest["onnx_sha256"] == sha256_file(folder / "model.onnx")
    assert manifest["data_sha256"] == sha256_file(cached)

    with cached.open("r+b") as fh:  # one weight byte changed: the file still loads, wrongly
        fh.seek(cached.stat().st_size // 2)
        byte = fh.read(1)
        fh.seek(-1, 1)
        fh.write(bytes([byte[0] ^ 0xFF]))
    older = tmp_path / f"minilm-int8-{MINILM_SHA256[:16]}-ort1.0.0-v1"  # an upgrade's leftover
    older.mkdir()
    (older / "model.onnx").write_bytes(b"old")
    with caplog.at_level(logging.WARNING, logger="models.encoder"):
        rebuilt = load_encoder.__wrapped__(options)  # a fresh process's load, past the lru_cache
    assert "does not match its manifest: rebuilding" in caplog.text
    assert sorted(tmp_path.iterdir()) == [folder]
    assert sha256_file(cached) == manifest["data_sha256"]
    assert np.allclose(rebuilt.encode(SENTENCES), reference, atol=1e-5)


@pytest.mark.slow
def test_an_unwritable_cache_builds_the_export_for_this_run(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    enc = load_encoder(EncoderOptions(cache_dir=blocker))
    emb = enc.encode(SENTENCES)
    assert emb.shape == (5, 384) and emb[0] @ emb[1] > emb[0] @ emb[2] + 0.2
    assert blocker.read_text() == "a file where the cache folder should be"


@pytest.mark.slow
def test_order_is_preserved_despite_length_sorting() -> None:
    enc = load_encoder(EncoderOptions())
    short, long_ = (
        "Cats sleep.",
        "A very long sentence about the economics of shipping containers across oceans.",
    )
    a = enc.encode([long_, short])
    b = enc.encode([short, long_])
    assert np.allclose(a[0], b[1], atol=1e-5) and np.allclose(a[1], b[0], atol=1e-5)
