"""Which library serves a model, and the command that starts it.

Token-by-token LLMs run in vLLM (GPU checkpoints) or llama.cpp (GGUF: CPUs, Apple silicon,
partial offload), in the format ``advisor.recommend.ladders`` chose. Every other model runs in
the library made for its kind, never in vLLM or llama.cpp, which do not run those
architectures (Bark, detectors, SAM, diffusion pipelines):

- image generation: diffusers ``DiffusionPipeline``;
- Whisper: faster-whisper (CTranslate2; ``WhisperModel`` takes the size name, e.g.
  ``large-v3``); NVIDIA Parakeet / Canary: NeMo ``ASRModel.from_pretrained``;
- Kokoro: the ``kokoro`` package (``KPipeline``); Parler-TTS: ``parler_tts``;
- YOLO: ultralytics; embeddings: sentence-transformers;
- the rest: a transformers ``pipeline`` for the task.

16-bit weights are loaded as fp16 where the device has no BF16 (``torch_dtype=torch.float16``,
vLLM ``--dtype float16``).
"""

from __future__ import annotations

from advisor.models.catalog import ModelSpec
from advisor.models.estimate import Precision, Runtime
from advisor.models.task import Task
from advisor.recommend.fit import ServeFit

_PIPELINE_TASK: dict[Task, str] = {
    Task.IMAGE_SEGMENTATION: "image-segmentation",
    Task.TEXT_TO_SPEECH: "text-to-speech",
    Task.SPEECH_RECOGNITION: "automatic-speech-recognition",
    Task.VISION_LANGUAGE: "image-text-to-text",
    Task.EMBEDDINGS: "feature-extraction",
    Task.IMAGE_GENERATION: "text-to-image",
}


def engine(model: ModelSpec, task: Task, serve: ServeFit) -> str:
    """The library that serves ``model`` for ``task`` as planned."""
    if serve.runtime is Runtime.VLLM:
        return "vllm"
    if serve.runtime is Runtime.LLAMA_CPP:
        return "llama.cpp"
    family = model.family
    if task is Task.IMAGE_GENERATION:
        return "diffusers"
    if task is Task.SPEECH_RECOGNITION and family == "whisper":
        return "faster-whisper"
    if family in ("parakeet", "canary"):
        return "nemo"
    if family == "kokoro":
        return "kokoro"
    if family == "parler-tts":
        return "parler-tts"
    if family == "yolo":
        return "ultralytics"
    if task is Task.EMBEDDINGS and family not in ("clip", "siglip"):
        return "sentence-transformers"
    return "transformers"


_PLAIN = (Precision.FP32, Precision.BF16, Precision.FP16)


def _dtype(serve: ServeFit) -> str:
    """The torch dtype to load with: the plan's own for plain formats; for a quantized plan
    (int8) the 16-bit compute type of the device (fp16 where it has no BF16), never fp32,
    which would need four times the planned memory."""
    p = serve.precision
    if p is Precision.FP32:
        return "torch.float32"
    if p is Precision.FP16 or (p not in _PLAIN and serve.target.half is Precision.FP16):
        return "torch.float16"
    return "torch.bfloat16"


def _quant_note(serve: ServeFit) -> str:
    """A trailing comment for a quantized plan outside vLLM / llama.cpp."""
    p = serve.precision
    if p in _PLAIN:
        return ""
    how = "bitsandbytes 8-bit" if p is Precision.INT8 else p.value
    return f"  # {p.value} plan: quantize the weights on load ({how}) to fit"


def _device(serve: ServeFit) -> str:
    if serve.gpus == 0:
        return "cpu"
    g = serve.target.gpu
    if g is not None and g.vendor.value == "apple":
        return "mps"
    return "cuda"


def _vllm(model: ModelSpec, serve: ServeFit) -> str:
    parts = [f"vllm serve {model.hf_repo}", f"--max-model-len {serve.context + serve.gen_tokens}"]
    if serve.gpus > 1:
        parts.append(f"--tensor-parallel-size {serve.gpus}")
    p = serve.precision
    if p is Precision.FP16:
        parts.append("--dtype float16")
    if serve.native:
        return " ".join(parts) + f"  # {p.value} checkpoint as shipped"
    if p is Precision.FP8:
        parts.append("--quantization fp8")
    if p is Precision.AWQ_INT4:
        return " ".join(parts) + " --quantization awq  # use an AWQ checkpoint of this model"
    if p is Precision.GPTQ_INT4:
        return " ".join(parts) + " --quantization gptq  # use a GPTQ checkpoint of this model"
    if p is Precision.INT8:
        return " ".join(parts) + "  # load an INT8 (W8A8) checkpoint of this model"
    return " ".join(parts)


def _llama_cpp(model: ModelSpec, serve: ServeFit) -> str:
    quant = serve.precision.value.removeprefix("gguf-").upper()
    name = model.hf_repo.split("/")[-1]
    cmd = f"llama-server -m {name}-{quant}.gguf -c {serve.context + serve.gen_tokens}"
    if serve.offload_bytes:
        cmd += " --n-gpu-layers <as many as fit>"
    elif serve.gpus:
        cmd += " --n-gpu-layers 999"
    if serve.precision is Precision.MXFP4:
        return cmd + "  # GGUF from convert_hf_to_gguf.py keeps the MXFP4 experts"
    return cmd + "  # GGUF from convert_hf_to_gguf.py + llama-quantize"


def serve_command(model: ModelSpec, serve: ServeFit, task: Task) -> str:
    """A command that starts serving the model as planned."""
    repo = model.hf_repo
    lib = engine(model, task, serve)
    dev = _device(serve)
    if lib == "vllm":
        return _vllm(model, serve)
    if lib == "llama.cpp":
        return _llama_cpp(model, serve)
    if lib == "diffusers":
        return (
            'python -c "import torch; from diffusers import DiffusionPipeline;'
            f" p = DiffusionPipeline.from_pretrained('{repo}', torch_dtype={_dtype(serve)})"
            f".to('{dev}'); p('a photo of a cat').images[0].save('out.png')\""
        ) + _quant_note(serve)
    if lib == "faster-whisper":
        size = repo.split("/")[-1].removeprefix("whisper-")
        kind = "float16" if serve.precision in (Precision.FP16, Precision.BF16) else "int8"
        kind = "int8" if dev == "cpu" else kind
        fw_dev = "cuda" if dev == "cuda" else "cpu"
        return (
            'python -c "from faster_whisper import WhisperModel;'
            f" m = WhisperModel('{size}', device='{fw_dev}', compute_type='{kind}');"
            " print([s.text for s in m.transcribe('audio.wav')[0]])\""
        )
    if lib == "nemo":
        return (
            'python -c "import nemo.collections.asr as asr;'
            f" m = asr.models.ASRModel.from_pretrained('{repo}');"
            " print(m.transcribe(['audio.wav']))\""
        )
    if lib == "kokoro":
        return (
            "python -c \"from kokoro import KPipeline; p = KPipeline(lang_code='a');"
            " print(next(iter(p('Hello.'))))\""
        )
    if lib == "parler-tts":
        return (
            'python -c "from parler_tts import ParlerTTSForConditionalGeneration;'
            f" m = ParlerTTSForConditionalGeneration.from_pretrained('{repo}')\""
        )
    if lib == "ultralytics":
        return f"yolo predict model={model.id}.pt source=image.jpg"
    if lib == "sentence-transformers":
        return (
            'python -c "from sentence_transformers import SentenceTransformer;'
            f" print(SentenceTransformer('{repo}', device='{dev}').encode(['hello']).shape)\""
        )
    pipe = _PIPELINE_TASK.get(task, task.value)
    dtype = "" if dev == "cpu" else f", torch_dtype={_dtype(serve)}"
    return (
        f'python -c "import torch; from transformers import pipeline;'
        f" pipeline('{pipe}', model='{repo}', device='{dev}'{dtype})\""
    ) + _quant_note(serve)


__all__ = ["engine", "serve_command"]
