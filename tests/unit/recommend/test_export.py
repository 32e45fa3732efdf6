"""``--export``: runnable files, parseable configs, and no silent overwrites."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from advisor.errors import ExportError
from advisor.export import write_exports
from advisor.models.estimate import Precision, Runtime
from advisor.models.policy import Approach, ExportPlan
from advisor.models.task import Task
from advisor.recommend.settings import training_settings


def read_yaml(text: str) -> Any:
    """Parse the block-style YAML subset the exporter writes (mappings, lists, JSON scalars)."""
    rows = [
        (len(line) - len(line.lstrip()), line.strip())
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]

    def scalar(raw: str) -> Any:
        if raw == "null":
            return None
        if raw in ("true", "false"):
            return raw == "true"
        if raw == "[]":
            return []
        if raw == "{}":
            return {}
        return json.loads(raw)

    def block(i: int, indent: int) -> tuple[Any, int]:
        if rows[i][1].startswith("-"):
            items: list[Any] = []
            while i < len(rows) and rows[i][0] == indent and rows[i][1].startswith("-"):
                rest = rows[i][1][1:].strip()
                if rest:
                    items.append(scalar(rest))
                    i += 1
                else:
                    value, i = block(i + 1, rows[i + 1][0])
                    items.append(value)
            return items, i
        mapping: dict[str, Any] = {}
        while i < len(rows) and rows[i][0] == indent:
            key, _, rest = rows[i][1].partition(":")
            if rest.strip():
                mapping[key] = scalar(rest.strip())
                i += 1
            else:
                mapping[key], i = block(i + 1, rows[i + 1][0])
        return mapping, i

    return block(0, rows[0][0])[0]


def lora_plan(**kw: Any) -> ExportPlan:
    settings = training_settings(
        Approach.QLORA, Task.CHAT, 5_000, model_params=8_000_000_000, per_device_batch=2, gpus=1
    )
    base: dict[str, Any] = {
        "model_id": "llama-3.1-8b-instruct",
        "hf_repo": "meta-llama/Llama-3.1-8B-Instruct",
        "task": Task.CHAT,
        "approach": Approach.QLORA,
        "settings": settings,
        "runtime": Runtime.VLLM,
        "precision": Precision.AWQ_INT4,
    }
    base.update(kw)
    return ExportPlan(**base)


def test_qlora_export_is_runnable_python_with_settings_and_reasons(tmp_path: Path) -> None:
    written = write_exports(lora_plan(), tmp_path / "out")
    names = [p.name for p in written]
    assert names == ["train.py", "training.yaml", "serve.sh", "README.md"]
    script = (tmp_path / "out" / "train.py").read_text()
    compile(script, "train.py", "exec")
    assert "SFTTrainer" in script and "LoraConfig" in script and "BitsAndBytesConfig" in script
    assert "learning_rate=0.0002,  # LoRA/QLoRA" in script
    assert "QUANTIZE_4BIT = True" in script and "paged_adamw_32bit" in script
    serve = (tmp_path / "out" / "serve.sh").read_text()
    assert "vllm serve meta-llama/Llama-3.1-8B-Instruct" in serve and "--quantization awq" in serve


def test_training_yaml_round_trips_the_settings(tmp_path: Path) -> None:
    plan = lora_plan()
    write_exports(plan, tmp_path)
    doc = read_yaml((tmp_path / "training.yaml").read_text())
    assert plan.settings is not None
    assert doc["model"] == plan.hf_repo
    assert doc["settings"]["learning_rate"] == plan.settings.learning_rate
    assert doc["settings"]["lora"]["rank"] == plan.settings.lora.rank  # type: ignore[union-attr]
    assert doc["settings"]["augmentation"] == plan.settings.augmentation
    assert set(doc["reasons"]) == set(plan.settings.reasons)


def test_multi_gpu_deepspeed_plan_writes_accelerate_and_zero_configs(tmp_path: Path) -> None:
    settings = training_settings(
        Approach.FULL, Task.CHAT, 500_000, model_params=8_000_000_000, per_device_batch=1, gpus=8
    )
    plan = lora_plan(
        approach=Approach.FULL,
        settings=settings,
        gpus=8,
        engine="deepspeed",
        zero_stage=3,
        cpu_offload=True,
        runtime=Runtime.TRANSFORMERS,
        precision=Precision.BF16,
    )
    write_exports(plan, tmp_path)
    ds = json.loads((tmp_path / "ds_config.json").read_text())
    assert ds["zero_optimization"]["stage"] == 3
    assert ds["zero_optimization"]["offload_optimizer"]["device"] == "cpu"
    acc = read_yaml((tmp_path / "accelerate_config.yaml").read_text())
    assert acc["distributed_type"] == "DEEPSPEED" and acc["num_processes"] == 8
    assert acc["deepspeed_config"]["deepspeed_config_file"] == "ds_config.json"
    assert "accelerate launch" in (tmp_path / "README.md").read_text()
    compile((tmp_path / "train.py").read_text(), "train.py", "exec")


def test_fsdp_plan_has_no_deepspeed_file(tmp_path: Path) -> None:
    settings = training_settings(
        Approach.FULL, Task.CHAT, 500_000, model_params=8_000_000_000, per_device_batch=1, gpus=4
    )
    plan = lora_plan(approach=Approach.FULL, settings=settings, gpus=4, engine="fsdp")
    names = [p.name for p in write_exports(plan, tmp_path)]
    assert "ds_config.json" not in names
    assert (
        read_yaml((tmp_path / "accelerate_config.yaml").read_text())["distributed_type"] == "FSDP"
    )


@pytest.mark.parametrize("task", list(Task))
def test_every_task_exports_compilable_python(task: Task, tmp_path: Path) -> None:
    settings = training_settings(
        Approach.LORA, task, 3_000, model_params=300_000_000, per_device_batch=4
    )
    plan = lora_plan(
        task=task,
        approach=Approach.LORA,
        settings=settings,
        runtime=Runtime.TRANSFORMERS,
        precision=Precision.BF16,
    )
    write_exports(plan, tmp_path)
    compile((tmp_path / "train.py").read_text(), "train.py", "exec")
    assert (tmp_path / "serve.sh").read_text().startswith("#!/usr/bin/env sh")


def test_prompting_pick_writes_only_serving_files(tmp_path: Path) -> None:
    plan = lora_plan(
        approach=Approach.PROMPTING,
        settings=None,
        runtime=Runtime.LLAMA_CPP,
        precision=Precision.GGUF_Q4_K_M,
    )
    names = [p.name for p in write_exports(plan, tmp_path)]
    assert names == ["serve.sh", "README.md"]
    serve = (tmp_path / "serve.sh").read_text()
    assert "llama-server -m" in serve and "Q4_K_M" in serve


def test_existing_files_are_not_overwritten_without_force(tmp_path: Path) -> None:
    (tmp_path / "serve.sh").write_text("mine")
    (tmp_path / "README.md").write_text("mine too")
    with pytest.raises(ExportError) as err:
        write_exports(lora_plan(), tmp_path)
    assert "serve.sh" in err.value.message and "README.md" in err.value.message
    assert err.value.hint is not None and "--force" in err.value.hint
    assert (tmp_path / "serve.sh").read_text() == "mine"
    assert not (tmp_path / "train.py").exists()  # nothing written at all


def test_force_overwrites(tmp_path: Path) -> None:
    (tmp_path / "serve.sh").write_text("mine")
    write_exports(lora_plan(), tmp_path, force=True)
    assert "vllm serve" in (tmp_path / "serve.sh").read_text()


def test_a_file_in_place_of_the_folder_is_a_usage_error(tmp_path: Path) -> None:
    from advisor.errors import UsageError

    target = tmp_path / "exports"
    target.write_text("x")
    with pytest.raises(UsageError, match="is a file, not a folder") as caught:
        write_exports(lora_plan(), target)
    assert caught.value.exit_code == 2
    assert target.read_text() == "x"


def test_a_training_approach_without_settings_is_refused() -> None:
    from advisor.errors import InvalidValueError

    with pytest.raises(InvalidValueError):
        lora_plan(settings=None)
