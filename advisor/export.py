"""``--export DIR``: ready-to-run files for the top recommendation.

``write_exports(plan: ExportPlan, directory: Path, *, force: bool = False) -> list[Path]``
writes, and returns in this order:

* ``train.py`` and ``training.yaml`` when the approach trains: the script (TRL ``SFTTrainer`` or
  transformers ``Trainer`` with PEFT ``LoraConfig``; bitsandbytes NF4 for QLoRA) and the same
  settings as YAML, each setting with its reason;
* ``accelerate_config.yaml`` (and ``ds_config.json`` for DeepSpeed) when training uses more
  than one GPU;
* ``serve.sh``: the command that serves the pick on its runtime (vLLM, llama.cpp, SGLang, TGI,
  else a transformers / diffusers snippet);
* ``README.md``: what each file is and how to run it.

Nothing is overwritten without ``force``: every target is checked first, and if any exists
``ExportError`` names them all and nothing is written. Folders are created as needed. Each file
is written by ``advisor.atomic.write_file``: whole or not at all, never through a symbolic link
(a link, folder or device where a file would go is refused with ``UnsafePathError``, exit 2, as
is an empty folder name or a file given as the folder), and a script's mode comes from the
umask (0777 minus it), never from changing another file's mode.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from advisor.errors import ExportError
from advisor.export_templates import train_script
from advisor.models.estimate import Precision, Runtime
from advisor.models.policy import ExportPlan
from advisor.models.task import Task

_PIPELINE: dict[Task, str] = {
    Task.CHAT: "text-generation",
    Task.TEXT_GENERATION: "text-generation",
    Task.CODE: "text-generation",
    Task.TRANSLATION: "translation",
    Task.SUMMARIZATION: "summarization",
    Task.TEXT_CLASSIFICATION: "text-classification",
    Task.TOKEN_CLASSIFICATION: "token-classification",
    Task.QUESTION_ANSWERING: "question-answering",
    Task.EMBEDDINGS: "feature-extraction",
    Task.SPEECH_RECOGNITION: "automatic-speech-recognition",
    Task.TEXT_TO_SPEECH: "text-to-audio",
    Task.IMAGE_CLASSIFICATION: "image-classification",
    Task.OBJECT_DETECTION: "object-detection",
    Task.IMAGE_SEGMENTATION: "image-segmentation",
    Task.VISION_LANGUAGE: "image-text-to-text",
}
"""transformers pipeline tags (https://huggingface.co/docs/transformers/main_classes/pipelines)."""

_VLLM_QUANT: dict[Precision, str] = {
    Precision.AWQ_INT4: "awq",
    Precision.GPTQ_INT4: "gptq",
    Precision.FP8: "fp8",
    Precision.NF4: "bitsandbytes",
    Precision.INT8: "bitsandbytes",
}
"""vLLM ``--quantization`` values (https://docs.vllm.ai/en/latest/features/quantization/)."""


def _yaml_scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
        mantissa, _, exponent = text.partition("e")
        if exponent and "." not in mantissa:
            # YAML 1.1 readers (PyYAML) need a dot to read 2e-05 as a float.
            text = f"{mantissa}.0e{exponent}"
        return text
    return json.dumps(str(value), ensure_ascii=False)


def to_yaml(data: Any, indent: int = 0) -> str:
    """A small YAML writer for dicts, lists and scalars (strings as JSON-quoted scalars)."""
    pad = " " * indent
    lines: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, dict | list) and value:
                lines.append(f"{pad}{key}:")
                lines.append(to_yaml(value, indent + 2))
            elif isinstance(value, dict):
                lines.append(f"{pad}{key}: {{}}")
            elif isinstance(value, list):
                lines.append(f"{pad}{key}: []")
            else:
                lines.append(f"{pad}{key}: {_yaml_scalar(value)}")
    elif isinstance(data, list):
        for item in data:
            if isinstance(item, dict | list) and item:
                lines.append(f"{pad}-")
                lines.append(to_yaml(item, indent + 2))
            else:
                lines.append(f"{pad}- {_yaml_scalar(item)}")
    else:
        lines.append(f"{pad}{_yaml_scalar(data)}")
    return "\n".join(lines)


def _training_yaml(plan: ExportPlan) -> str:
    assert plan.settings is not None
    s = plan.settings.model_dump(mode="json")
    reasons = s.pop("reasons")
    doc = {
        "model": plan.hf_repo,
        "catalog_id": plan.model_id,
        "task": plan.task.value,
        "approach": plan.approach.value,
        "settings": s,
        "reasons": reasons,
    }
    return "# Training settings written by `advisor recommend --export`.\n" + to_yaml(doc) + "\n"


def _accelerate_yaml(plan: ExportPlan) -> str:
    doc: dict[str, Any] = {"compute_environment": "LOCAL_MACHINE"}
    if plan.engine == "fsdp":
        doc["distributed_type"] = "FSDP"
        doc["fsdp_config"] = {
            "fsdp_auto_wrap_policy": "TRANSFORMER_BASED_WRAP",
            "fsdp_sharding_strategy": "FULL_SHARD",
            "fsdp_offload_params": plan.cpu_offload,
            "fsdp_state_dict_type": "SHARDED_STATE_DICT",
            "fsdp_use_orig_params": True,
        }
    elif plan.engine == "deepspeed":
        doc["distributed_type"] = "DEEPSPEED"
        doc["deepspeed_config"] = {
            "deepspeed_config_file": "ds_config.json",
            "zero3_init_flag": plan.zero_stage == 3,
        }
    else:
        doc["distributed_type"] = "MULTI_GPU"
    doc |= {
        "mixed_precision": plan.mixed_precision,
        "machine_rank": 0,
        "num_machines": 1,
        "num_processes": plan.gpus,
        "use_cpu": False,
    }
    return (
        "# accelerate launch --config_file accelerate_config.yaml train.py ...\n"
        + to_yaml(doc)
        + "\n"
    )


def _zero(plan: ExportPlan) -> int:
    """The ZeRO stage: the plan's, else 2 (shards optimizer state and gradients)."""
    return 2 if plan.zero_stage is None else plan.zero_stage


def _ds_config(plan: ExportPlan) -> str:
    stage = _zero(plan)
    zero: dict[str, Any] = {"stage": stage, "overlap_comm": True, "contiguous_gradients": True}
    if plan.cpu_offload:
        zero["offload_optimizer"] = {"device": "cpu", "pin_memory": True}
        if stage == 3:
            zero["offload_param"] = {"device": "cpu", "pin_memory": True}
    if stage == 3:
        zero["stage3_gather_16bit_weights_on_model_save"] = True
    # "auto" values are filled in from TrainingArguments by the transformers integration
    # (https://huggingface.co/docs/transformers/deepspeed).
    doc = {
        plan.mixed_precision: {"enabled": "auto"},
        "zero_optimization": zero,
        "gradient_accumulation_steps": "auto",
        "gradient_clipping": "auto",
        "train_batch_size": "auto",
        "train_micro_batch_size_per_gpu": "auto",
    }
    return json.dumps(doc, indent=2) + "\n"


def serve_command(plan: ExportPlan) -> str:
    """Shell lines that serve the pick on ``plan.runtime``."""
    repo = plan.hf_repo
    tp = plan.tensor_parallel
    if plan.runtime is Runtime.VLLM:
        parts = ["vllm", "serve", repo, "--tensor-parallel-size", str(tp)]
        if plan.precision in _VLLM_QUANT:
            parts += ["--quantization", _VLLM_QUANT[plan.precision]]
        elif plan.precision in (Precision.BF16, Precision.FP16, Precision.FP32):
            parts += [
                "--dtype",
                {"bf16": "bfloat16", "fp16": "float16"}.get(plan.precision.value, "float32"),
            ]
        if plan.max_seq_length:
            parts += ["--max-model-len", str(plan.max_seq_length)]
        return (
            " ".join(parts)
            + "\n# a trained LoRA adapter: add --enable-lora --lora-modules tuned=out\n"
        )
    if plan.runtime is Runtime.LLAMA_CPP:
        quant = (
            plan.precision.value.removeprefix("gguf-").upper()
            if plan.precision.is_gguf
            else "Q4_K_M"
        )
        model = plan.gguf_file or f"model-{quant}.gguf"
        ctx = f" --ctx-size {plan.max_seq_length}" if plan.max_seq_length else ""
        convert = (
            ""
            if plan.gguf_file
            else (
                f"# make the GGUF first (llama.cpp repository):\n"
                f"#   python convert_hf_to_gguf.py <local copy of {repo}>"
                " --outfile model-f16.gguf\n"
                f"#   llama-quantize model-f16.gguf {model} {quant}\n"
            )
        )
        return f"{convert}llama-server -m {model} --n-gpu-layers 999{ctx} --port 8080\n"
    if plan.runtime is Runtime.SGLANG:
        return f"python -m sglang.launch_server --model-path {repo} --tp {tp} --port 30000\n"
    if plan.runtime is Runtime.TGI:
        return (
            "docker run --gpus all -p 8080:80 ghcr.io/huggingface/text-generation-inference"
            f" --model-id {repo} --num-shard {tp}\n"
        )
    if plan.task is Task.IMAGE_GENERATION:
        body = (
            "import torch\nfrom diffusers import DiffusionPipeline\n\n"
            f"pipe = DiffusionPipeline.from_pretrained({repo!r}, torch_dtype=torch.bfloat16)\n"
            'pipe.to("cuda" if torch.cuda.is_available() else "cpu")\n'
            'pipe("a photo of an astronaut riding a horse").images[0].save("out.png")\n'
        )
    else:
        body = (
            "from transformers import pipeline\n\n"
            f'pipe = pipeline({_PIPELINE[plan.task]!r}, model={repo!r}, device_map="auto",'
            ' torch_dtype="auto")\n'
            "print(pipe)\n"
        )
    return f"python - <<'PY'\n{body}PY\n"


def _serve_sh(plan: ExportPlan) -> str:
    note = (
        f" ({plan.runtime.value} was not scriptable here)"
        if plan.runtime
        not in (Runtime.VLLM, Runtime.LLAMA_CPP, Runtime.SGLANG, Runtime.TGI, Runtime.TRANSFORMERS)
        else ""
    )
    return (
        "#!/usr/bin/env sh\n"
        f"# Serve {plan.hf_repo} at {plan.precision.value} on {plan.runtime.value}{note}.\n"
        "set -e\n" + serve_command(plan)
    )


def _readme(plan: ExportPlan, files: list[str]) -> str:
    lines = [
        f"# {plan.model_id}: {plan.task.value}, {plan.approach.value}",
        "",
        "Written by `advisor recommend --export`.",
        "",
    ]
    desc = {
        "train.py": "the training script with every setting and its reason",
        "training.yaml": "the same settings as data",
        "accelerate_config.yaml": f"multi-GPU launch on {plan.gpus} GPUs",
        "ds_config.json": f"DeepSpeed ZeRO stage {_zero(plan)}",
        "serve.sh": f"serve the model on {plan.runtime.value}",
    }
    lines += [f"- `{name}`: {desc[name]}" for name in files if name in desc]
    lines.append("")
    if "train.py" in files:
        launch = (
            "accelerate launch --config_file accelerate_config.yaml train.py"
            if plan.gpus > 1
            else "python train.py"
        )
        lines += [
            "## Train",
            "",
            "```sh",
            "pip install torch transformers datasets accelerate peft trl bitsandbytes",
            f"{launch} --train-file data/train.jsonl --output-dir out",
            "```",
            "",
        ]
    lines += ["## Serve", "", "```sh", "sh serve.sh", "```", ""]
    return "\n".join(lines)


REPORT_FILE = "report.json"


def write_exports(
    plan: ExportPlan, directory: Path, *, force: bool = False, report_json: str | None = None
) -> list[Path]:
    """Write the files for ``plan`` into ``directory``; the paths written, in order.

    ``report_json`` (the recommend document, as ``--json`` prints it) is written as
    ``report.json`` beside the configs. Every target is checked before anything is written:
    existing files without ``force`` raise ``ExportError`` naming them all.
    """
    contents: dict[str, str] = {}
    if report_json is not None:
        contents[REPORT_FILE] = report_json if report_json.endswith("\n") else report_json + "\n"
    if plan.settings is not None:
        contents["train.py"] = train_script(plan)
        contents["training.yaml"] = _training_yaml(plan)
        if plan.gpus > 1:
            contents["accelerate_config.yaml"] = _accelerate_yaml(plan)
            if plan.engine == "deepspeed":
                contents["ds_config.json"] = _ds_config(plan)
    contents["serve.sh"] = _serve_sh(plan)
    contents["README.md"] = _readme(plan, list(contents))

    from advisor.atomic import check_folder, check_target, write_file

    check_folder(directory)  # UnsafePathError (exit 2): an empty name, a file, a dangling link
    targets = [directory / name for name in contents]
    existing = [p for p in targets if check_target(p)]  # links and folders: UnsafePathError
    if existing and not force:
        names = ", ".join(str(p) for p in existing)
        raise ExportError(f"would overwrite {names}", "add --force to overwrite them")
    try:
        for path in targets:
            data = contents[path.name].encode("utf-8")
            write_file(path, data, overwrite=force, executable=path.suffix == ".sh")
    except FileExistsError:  # created by someone else since the check
        raise ExportError(f"would overwrite {path}", "add --force to overwrite them") from None
    except OSError as exc:
        raise ExportError(f"cannot write to {directory}: {exc.strerror or exc}", None) from exc
    return targets
