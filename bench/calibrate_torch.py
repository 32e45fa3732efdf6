"""The torch side of ``bench/calibrate_gpu.py``: build a model from its config.json with random
weights on the GPU and take one measurement. Imported only on a real (non dry) run."""

from __future__ import annotations

import gc
import time
from pathlib import Path
from typing import Any

import torch  # type: ignore[import-not-found]

from bench.calibrate_gpu import Measurement

_CACHE: dict[str, Any] = {}


def environment() -> dict[str, str]:
    """GPU name and library versions for every row."""
    import transformers  # type: ignore[import-not-found]

    try:
        import peft  # type: ignore[import-not-found]

        peft_version = peft.__version__
    except ImportError:
        peft_version = ""
    return {
        "gpu": torch.cuda.get_device_name(0),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "peft": peft_version,
    }


def _model(cfg_path: Path) -> Any:
    """The model of ``cfg_path`` in bf16 on the GPU, random weights, kept between rows."""
    from transformers import AutoConfig, AutoModelForCausalLM

    key = str(cfg_path)
    if key not in _CACHE:
        _CACHE.clear()
        gc.collect()
        torch.cuda.empty_cache()
        config = AutoConfig.from_pretrained(cfg_path.parent)
        with torch.device("cuda"):
            model = AutoModelForCausalLM.from_config(config, torch_dtype=torch.bfloat16)
        _CACHE[key] = model.eval()
    return _CACHE[key]


def _reset() -> None:
    gc.collect()
    torch.cuda.empty_cache()
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()


def _peaks(m: Measurement) -> None:
    torch.cuda.synchronize()
    m.peak_allocated_bytes = int(torch.cuda.max_memory_allocated())
    m.peak_reserved_bytes = int(torch.cuda.max_memory_reserved())


def _ids(model: Any, batch: int, seq: int) -> Any:
    vocab = model.config.vocab_size
    return torch.randint(0, vocab, (batch, seq), device="cuda")


def measure(m: Measurement, config: dict[str, Any], cfg_path: Path) -> Measurement:
    """Take measurement ``m`` (filled in place and returned)."""
    model = _model(cfg_path)
    m.params = sum(p.numel() for p in model.parameters())
    t0 = time.monotonic()
    if m.kind == "inference":
        _reset()
        with torch.no_grad():
            model.generate(_ids(model, m.batch, m.seq), max_new_tokens=m.gen,
                           min_new_tokens=m.gen, do_sample=False)  # fmt: skip
        _peaks(m)
    elif m.kind == "decode":
        ids = _ids(model, 1, m.seq)
        kw: dict[str, Any] = {"do_sample": False, "min_new_tokens": m.gen}
        if m.cache == "static":
            kw["cache_implementation"] = "static"
        with torch.no_grad():
            model.generate(ids, max_new_tokens=8, **{**kw, "min_new_tokens": 8})  # warm-up
            _reset()
            torch.cuda.synchronize()
            start = time.perf_counter()
            model.generate(ids, max_new_tokens=m.gen, **kw)
            torch.cuda.synchronize()
            elapsed = time.perf_counter() - start
        # The timed call includes one prefill of m.seq (128) tokens, a few per cent of it.
        m.tokens_per_s = m.gen / elapsed
        _peaks(m)
    else:
        _train(model, m)
    m.seconds = round(time.monotonic() - t0, 2)
    return m


def _train(model: Any, m: Measurement) -> None:
    net = model
    for p in model.parameters():
        p.requires_grad_(m.method == "full")
    if m.method == "lora":
        from peft import LoraConfig, get_peft_model

        cfg = LoraConfig(r=16, lora_alpha=32, lora_dropout=0.05, target_modules="all-linear")
        net = get_peft_model(model, cfg)
    net.train()
    if m.checkpointing:
        net.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        if m.method == "lora":
            net.enable_input_require_grads()
    params = [p for p in net.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-5)
    _reset()
    try:
        for _ in range(2):  # the first step allocates the optimizer state
            ids = _ids(model, m.batch, m.seq)
            loss = net(input_ids=ids, labels=ids).loss
            loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
        _peaks(m)
    finally:
        del opt
        if m.checkpointing:
            net.gradient_checkpointing_disable()
        if m.method == "lora":
            net.unload()  # give the base model back without adapters
        model.eval()
        for p in model.parameters():
            p.requires_grad_(False)
