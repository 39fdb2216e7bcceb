"""The real packaged model (slow tier): hash check, loading once, embeddings that mean something."""

from pathlib import Path

import numpy as np
import pytest

from bot.core.errors import ModelError
from models.encoder import MINILM_SHA256, EncoderOptions, load_encoder, packaged_model_dir, verify_weights


def test_packaged_weights_match_upstream_hash() -> None:
    verify_weights(packaged_model_dir() / "model.safetensors", MINILM_SHA256)


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
