"""Text of the exported ``train.py``: one script per task kind, with the settings filled in.

``train_script(plan) -> str`` writes a runnable Python script (transformers ``Trainer`` or TRL
``SFTTrainer``, PEFT ``LoraConfig``, bitsandbytes 4-bit for QLoRA); every setting sits on its
own line with its reason as a comment. Tasks whose data pipeline is not generic (speech, vision,
diffusion, embeddings, NER, extractive QA) get the same settings block and a ``load_data``
function that stops with a pointer to the official example script for that task.
"""

from __future__ import annotations

from advisor.models.estimate import Optimizer
from advisor.models.policy import Approach, ExportPlan, TrainingSettings
from advisor.models.task import Task

_CAUSAL = {Task.CHAT, Task.TEXT_GENERATION, Task.CODE}
_SEQ2SEQ = {Task.TRANSLATION, Task.SUMMARIZATION}
_EXAMPLES: dict[Task, str] = {
    Task.TOKEN_CLASSIFICATION: "transformers examples/pytorch/token-classification/run_ner.py",
    Task.QUESTION_ANSWERING: "transformers examples/pytorch/question-answering/run_qa.py",
    Task.EMBEDDINGS: "sentence-transformers training overview (https://sbert.net)",
    Task.SPEECH_RECOGNITION: "https://huggingface.co/blog/fine-tune-whisper",
    Task.TEXT_TO_SPEECH: "https://huggingface.co/learn/audio-course/chapter6/fine-tuning",
    Task.IMAGE_CLASSIFICATION: "transformers examples/pytorch/image-classification",
    Task.OBJECT_DETECTION: "transformers examples/pytorch/object-detection",
    Task.IMAGE_SEGMENTATION: "transformers examples/pytorch/semantic-segmentation",
    Task.IMAGE_GENERATION: "diffusers examples/dreambooth/train_dreambooth_lora.py",
    Task.VISION_LANGUAGE: "TRL examples/scripts/sft_vlm.py",
}
_OPTIM: dict[Optimizer, str] = {
    Optimizer.ADAMW: "adamw_torch",
    Optimizer.ADAMW_8BIT: "adamw_bnb_8bit",
    Optimizer.PAGED_ADAMW: "paged_adamw_32bit",
    Optimizer.PAGED_ADAMW_8BIT: "paged_adamw_8bit",
    Optimizer.SGD: "sgd",
    Optimizer.ADAFACTOR: "adafactor",
}


def _comment(text: str | None) -> str:
    return f"  # {' '.join(text.split())}" if text else ""


def _line(key: str, value: object, reason: str | None) -> str:
    return f"    {key}={value!r},{_comment(reason)}"


def _settings_block(plan: ExportPlan, s: TrainingSettings) -> str:
    r = s.reasons
    rows = [
        _line("num_train_epochs", s.epochs, r.get("epochs")),
        _line("learning_rate", s.learning_rate, r.get("learning_rate")),
        _line("lr_scheduler_type", s.lr_scheduler, r.get("lr_scheduler")),
        _line("warmup_ratio", s.warmup_ratio, r.get("warmup_ratio")),
        _line("per_device_train_batch_size", s.per_device_batch, r.get("effective_batch")),
        _line("per_device_eval_batch_size", s.per_device_batch, None),
        _line("gradient_accumulation_steps", s.gradient_accumulation, r.get("effective_batch")),
        _line("weight_decay", s.weight_decay, r.get("weight_decay")),
        _line("max_grad_norm", s.max_grad_norm, r.get("max_grad_norm")),
        _line("label_smoothing_factor", s.label_smoothing, r.get("label_smoothing")),
        _line("optim", _OPTIM[s.optimizer], r.get("optimizer")),
        _line("eval_strategy", s.eval_strategy, r.get("evaluation")),
        _line("save_strategy", s.save_strategy, r.get("evaluation")),
    ]
    if s.eval_steps is not None:
        rows.append(_line("eval_steps", s.eval_steps, None))
        rows.append(_line("save_steps", s.eval_steps, None))
    if s.early_stopping is not None:
        rows += [
            _line("load_best_model_at_end", True, r.get("early_stopping")),
            _line("metric_for_best_model", s.early_stopping.metric, None),
            _line("greater_is_better", s.early_stopping.mode == "max", None),
        ]
    rows += [
        _line("save_total_limit", 2, "keep disk use bounded"),
        _line(
            plan.mixed_precision,
            True,
            "16-bit autocast: bf16 on GPUs with BF16 math (Ampere and later), else fp16",
        ),
        _line("gradient_checkpointing", plan.gradient_checkpointing, "from the memory plan"),
        _line("seed", s.seed, "reproducible shuffles and splits"),
        _line("report_to", "none", None),
    ]
    return "\n".join(rows)


def _torch_dtype(plan: ExportPlan) -> str:
    """The torch dtype train.py loads and computes in: the plan's autocast dtype."""
    return "float16" if plan.mixed_precision == "fp16" else "bfloat16"


def _lora_block(plan: ExportPlan, s: TrainingSettings) -> str:
    if s.lora is None:
        return "LORA = None  # no adapter: this approach trains the model's own weights"
    task_type = "CAUSAL_LM" if plan.task in _CAUSAL else None
    if plan.task in _SEQ2SEQ or plan.task is Task.SPEECH_RECOGNITION:
        task_type = "SEQ_2_SEQ_LM"
    elif plan.task is Task.TEXT_CLASSIFICATION:
        task_type = "SEQ_CLS"
    targets: object = s.lora.targets
    if s.lora.targets == "attention":
        targets = ["q_proj", "v_proj", "query", "value"]
    reason = s.reasons.get("lora")
    return "\n".join(
        [
            "LORA = dict(",
            _line("r", s.lora.rank, reason),
            _line("lora_alpha", s.lora.alpha, "alpha / r scales the adapter's update"),
            _line("lora_dropout", s.lora.dropout, s.reasons.get("dropout")),
            _line("target_modules", targets, "PEFT matches module names by suffix"),
            _line("task_type", task_type, None),
            ")",
        ]
    )


_LOADERS: dict[str, str] = {
    "causal": '''
def load_data(path):
    """JSON lines with "messages" (chat format) or "text" per example."""
    from datasets import load_dataset

    return load_dataset("json", data_files=path)["train"]
''',
    "classification": '''
def load_data(path):
    """JSON lines or CSV with a "text" and an integer "label" column."""
    from datasets import load_dataset

    kind = "csv" if path.endswith(".csv") else "json"
    return load_dataset(kind, data_files=path)["train"]
''',
    "seq2seq": '''
def load_data(path):
    """JSON lines or CSV with a "source" and a "target" column."""
    from datasets import load_dataset

    kind = "csv" if path.endswith(".csv") else "json"
    return load_dataset(kind, data_files=path)["train"]
''',
}

_MAINS: dict[str, str] = {
    "causal": """
def main():
    args = parse_args()
    from transformers import EarlyStoppingCallback
    from trl import SFTConfig, SFTTrainer

    data = load_data(args.train_file).train_test_split(test_size=VALIDATION_FRACTION, seed=SEED)
    model = load_model("causal")
    trainer = SFTTrainer(
        model=model,
        args=SFTConfig(output_dir=args.output_dir, **TRAINING),
        train_dataset=data["train"],
        eval_dataset=data["test"],
        peft_config=peft_config(),
        callbacks=callbacks(EarlyStoppingCallback),
    )
    trainer.train()
    trainer.save_model(args.output_dir)
""",
    "classification": """
def main():
    args = parse_args()
    from transformers import AutoTokenizer, EarlyStoppingCallback, Trainer, TrainingArguments

    data = load_data(args.train_file)
    tokenizer = AutoTokenizer.from_pretrained(MODEL)
    data = data.map(lambda b: tokenizer(b["text"], truncation=True), batched=True)
    data = data.train_test_split(test_size=VALIDATION_FRACTION, seed=SEED)
    labels = len(set(data["train"]["label"]))
    model = load_model("classification", num_labels=labels)
    trainer = Trainer(
        model=model,
        args=TrainingArguments(output_dir=args.output_dir, **TRAINING),
        train_dataset=data["train"],
        eval_dataset=data["test"],
        processing_class=tokenizer,
        callbacks=callbacks(EarlyStoppingCallback),
    )
    trainer.train()
    trainer.save_model(args.output_dir)
""",
    "seq2seq": """
def main():
    args = parse_args()
    from transformers import (
        AutoTokenizer,
        DataCollatorForSeq2Seq,
        EarlyStoppingCallback,
        Seq2SeqTrainer,
        Seq2SeqTrainingArguments,
    )

    tokenizer = AutoTokenizer.from_pretrained(MODEL)

    def encode(batch):
        return tokenizer(batch["source"], text_target=batch["target"], truncation=True)

    data = load_data(args.train_file).map(encode, batched=True)
    data = data.train_test_split(test_size=VALIDATION_FRACTION, seed=SEED)
    model = load_model("seq2seq")
    trainer = Seq2SeqTrainer(
        model=model,
        args=Seq2SeqTrainingArguments(output_dir=args.output_dir, **TRAINING),
        train_dataset=data["train"],
        eval_dataset=data["test"],
        data_collator=DataCollatorForSeq2Seq(tokenizer, model=model),
        processing_class=tokenizer,
        callbacks=callbacks(EarlyStoppingCallback),
    )
    trainer.train()
    trainer.save_model(args.output_dir)
""",
}

_COMMON = """
AUTO = {
    "causal": "AutoModelForCausalLM",
    "classification": "AutoModelForSequenceClassification",
    "seq2seq": "AutoModelForSeq2SeqLM",
}


def parse_args():
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train-file", required=True, help="training data (.jsonl or .csv)")
    parser.add_argument("--output-dir", default="out", help="checkpoints and the final model")
    return parser.parse_args()


def load_model(kind, **extra):
    import torch
    import transformers

    config = transformers.AutoConfig.from_pretrained(MODEL, **extra)
    for key in ("hidden_dropout_prob", "dropout", "resid_pdrop", "classifier_dropout"):
        if DROPOUT is not None and not LORA and hasattr(config, key):
            setattr(config, key, DROPOUT)
    kwargs = {"config": config, "torch_dtype": getattr(torch, DTYPE)}
    if QUANTIZE_4BIT:
        # QLoRA: NF4 base with double quantization and 16-bit compute (Dettmers et al. 2023).
        kwargs["quantization_config"] = transformers.BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=getattr(torch, DTYPE),
        )
    model = getattr(transformers, AUTO[kind]).from_pretrained(MODEL, **kwargs)
    if QUANTIZE_4BIT:
        from peft import prepare_model_for_kbit_training

        model = prepare_model_for_kbit_training(model)
    if FROZEN_FRACTION:
        params = list(model.base_model.named_parameters())
        for _, param in params[: int(len(params) * FROZEN_FRACTION)]:
            param.requires_grad = False
    return model


def peft_config():
    if not LORA:
        return None
    from peft import LoraConfig

    return LoraConfig(**{k: v for k, v in LORA.items() if v is not None})


def callbacks(early_stopping_callback):
    if EARLY_STOPPING_PATIENCE is None:
        return []
    return [early_stopping_callback(early_stopping_patience=EARLY_STOPPING_PATIENCE)]
"""

_UNSUPPORTED = """

def main():
    parse_args()
    raise SystemExit(
        "this task needs its own data pipeline: start from {example}"
        " and copy TRAINING and LORA above into it"
    )
"""


def _kind(task: Task) -> str | None:
    if task in _CAUSAL:
        return "causal"
    if task in _SEQ2SEQ:
        return "seq2seq"
    if task is Task.TEXT_CLASSIFICATION:
        return "classification"
    return None


def train_script(plan: ExportPlan) -> str:
    """The exported ``train.py`` for ``plan`` (which must carry training settings)."""
    s = plan.settings
    if s is None:
        raise ValueError("train_script needs a plan with training settings")
    kind = _kind(plan.task)
    frozen = 0.0
    if plan.approach is Approach.LINEAR_PROBE:
        frozen = 1.0
    elif plan.approach is Approach.FREEZE:
        frozen = 0.75
    lora_wanted = s.lora is not None and kind is not None
    run = "accelerate launch --config_file accelerate_config.yaml" if plan.gpus > 1 else "python"
    head = f'''"""Fine-tune {plan.hf_repo} for {plan.task.value} ({plan.approach.value}).

Written by `advisor recommend --export`. Run:
    {run} train.py --train-file data/train.jsonl --output-dir out
Needs: pip install torch transformers datasets accelerate peft trl bitsandbytes
"""

MODEL = {plan.hf_repo!r}
SEED = {s.seed!r}
VALIDATION_FRACTION = {s.validation_fraction!r}{_comment(s.reasons.get("validation_fraction"))}
EARLY_STOPPING_PATIENCE = {s.early_stopping_patience!r}{_comment(s.reasons.get("early_stopping"))}
DROPOUT = {s.dropout!r}{_comment(s.reasons.get("dropout"))}
QUANTIZE_4BIT = {(plan.approach is Approach.QLORA)!r}
DTYPE = {_torch_dtype(plan)!r}  # fp16 on GPUs without BF16 (T4, V100)
FROZEN_FRACTION = {frozen!r}  # share of the pretrained parameters (from the bottom) kept frozen
AUGMENTATION = {s.augmentation!r}{_comment(s.reasons.get("augmentation"))}

TRAINING = dict(
{_settings_block(plan, s)}
)

{_lora_block(plan, s) if lora_wanted else "LORA = None"}
'''
    if kind is None:
        example = _EXAMPLES.get(plan.task, "the transformers examples")
        return head + _UNSUPPORTED.format(example=example) + _footer()
    return head + _COMMON + _LOADERS[kind] + _MAINS[kind] + _footer()


def _footer() -> str:
    return '\n\nif __name__ == "__main__":\n    main()\n'
