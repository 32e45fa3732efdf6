"""``advisor estimate MODEL``: memory, speed and cost of serving or fine-tuning one model.

MODEL is a path to a config.json (or a folder holding one), a catalog id, or a Hugging Face repo
id. The flags build an ``EstimateSetup``; ``advisor.estimate.estimate`` does the arithmetic.
Human output is a table of the memory breakdown and a bar against the device's memory;
``--json`` prints the ``Estimate`` document. Bad input (a malformed config, an impossible
set-up) is one line on stderr and exit 2.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from advisor.cli.common import add_hardware_flags, hardware_from_args, positive_int
from advisor.cli.exit import ExitCode
from advisor.cli.output import error_line, print_document, stdout_console
from advisor.errors import (
    ConfigError,
    EstimateError,
    InvalidValueError,
    UnknownModelError,
    shorten,
)
from advisor.models.estimate import (
    Method,
    Mode,
    Optimizer,
    Precision,
    Runtime,
    parse_precision,
)

if TYPE_CHECKING:
    from advisor.models.arch import ModelArch
    from advisor.models.estimate import Estimate, EstimateSetup

EXAMPLES = """\
examples:
  advisor estimate llama-3.1-8b-instruct --gpu "RTX 4090"
  advisor estimate ./my-model/config.json --mode training --method qlora --precision nf4
  advisor estimate mistral-7b-v0.1 --precision gguf-q4_k_m --runtime llama.cpp --seq 4096 --gen 512
  advisor estimate llama-3.1-70b-instruct --mode training --gpus 8 --zero 3 --gpu "8x H100" --json
"""


def register(sub: Any) -> None:
    """Add the ``estimate`` subcommand."""
    p: argparse.ArgumentParser = sub.add_parser(
        "estimate",
        help="memory, speed and cost of serving or fine-tuning one model",
        description="Memory, speed and cost of serving or fine-tuning one model.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("model", metavar="MODEL", help="catalog id, Hub repo id, config.json or folder")
    p.add_argument("--revision", metavar="R",
                   help="Hub repo id only: branch, tag or commit (default: main)")  # fmt: skip
    p.add_argument("--mode", choices=[m.value for m in Mode], default=Mode.INFERENCE.value)
    p.add_argument("--method", choices=[m.value for m in Method], default=Method.FULL.value,
                   help="training: full, lora, qlora or freeze (default: full)")  # fmt: skip
    p.add_argument("--precision", metavar="P",
                   help="weights: fp32, bf16, fp16, fp8, int8, nf4, int4, gptq-int4, awq-int4, "
                   "gguf-TYPE (q4_k_m, q8_0, ...); default bf16 (nf4 for qlora)")  # fmt: skip
    p.add_argument("--mixed-precision", action="store_true",
                   help="fp32 master weights with 16-bit autocast (torch AMP)")  # fmt: skip
    p.add_argument("--optimizer", choices=[o.value for o in Optimizer],
                   default=Optimizer.ADAMW.value)  # fmt: skip
    p.add_argument("--batch", type=positive_int, default=1, metavar="B",
                   help="sequences per device (default 1)")  # fmt: skip
    p.add_argument("--seq", type=positive_int, default=2048, metavar="S",
                   help="prompt or training sequence length in tokens (default 2048)")  # fmt: skip
    p.add_argument("--gen", type=_non_negative, default=0, metavar="G",
                   help="tokens generated after the prompt (inference)")  # fmt: skip
    p.add_argument("--gradient-checkpointing", action="store_true")
    p.add_argument("--flash-attention", action=argparse.BooleanOptionalAction, default=None,
                   help="memory-efficient attention (default: on)")  # fmt: skip
    p.add_argument("--lora-rank", type=positive_int, default=16, metavar="R")
    p.add_argument("--gradients-freed", action="store_true",
                   help="gradients freed each step, no accumulation: peak over phases")  # fmt: skip
    p.add_argument("--lora-dropout", type=float, default=0.05, metavar="P",
                   help="LoRA dropout (0 saves no dropped input copies)")  # fmt: skip
    p.add_argument("--lora-targets", metavar="T",
                   help="all-linear (default), attention, or names: q_proj,v_proj")  # fmt: skip
    p.add_argument("--cpu-offload", action="store_true",
                   help="optimizer state (and ZeRO-3 parameters) in CPU RAM")  # fmt: skip
    p.add_argument("--activation-offload", action="store_true")
    p.add_argument("--chunked-loss", action="store_true",
                   help="compute the loss in chunks (no full fp32 logits)")  # fmt: skip
    p.add_argument("--optimizer-in-backward", action="store_true")
    p.add_argument("--runtime", choices=[r.value for r in Runtime],
                   default=Runtime.TRANSFORMERS.value)  # fmt: skip
    p.add_argument("--gpus", type=positive_int, default=1, metavar="N",
                   help="GPUs: data parallel (training), tensor parallel (inference)")  # fmt: skip
    shard = p.add_mutually_exclusive_group()
    shard.add_argument("--zero", type=int, choices=[0, 1, 2, 3], metavar="{0,1,2,3}",
                       help="DeepSpeed ZeRO stage (training)")  # fmt: skip
    shard.add_argument("--fsdp", action="store_true", help="PyTorch FSDP full sharding")
    add_hardware_flags(p)
    p.add_argument("--json", action="store_true", help="print the estimate as JSON")
    p.set_defaults(handler=handle)


def _non_negative(text: str) -> int:
    from advisor.units import parse_count

    return parse_count(text, "count")


def handle(args: argparse.Namespace) -> int:
    """Resolve the model, build the set-up, estimate, render."""
    from advisor.estimate import estimate

    try:
        arch, model_id = resolve_model(args.model, revision=args.revision)
    except ConfigError as exc:
        # The user handed us this config; a broken one is bad input, not a runtime failure.
        error_line(exc.one_line())
        return ExitCode.USAGE
    setup = setup_from_args(args)
    _check_lora_targets(arch, setup)
    hardware = hardware_from_args(_gpus_as_count(args))
    try:
        result = estimate(arch, setup, hardware, model_id=model_id)
    except EstimateError as exc:
        error_line(exc.one_line())
        return ExitCode.USAGE
    if args.json:
        print_document(result)
    else:
        render(result, hardware_capacity(result), model_id or args.model)
    return ExitCode.OK


def _gpus_as_count(args: argparse.Namespace) -> argparse.Namespace:
    """``--gpus N --gpu NAME`` means N of that GPU, as people type it (tensor parallel for
    serving, data parallel / ZeRO / FSDP for training): one ``--gpu`` naming a single device
    and no ``--gpu-count`` takes N as its count. A count above one (``--gpu "2x H100"``) or
    ``--gpu-count`` is kept, so asking for more GPUs than it names is still refused."""
    from advisor.errors import AdvisorError
    from advisor.whatif import parse_gpu_expr

    if args.gpus <= 1 or args.gpu_count is not None or len(args.gpu) != 1:
        return args
    try:
        _, count = parse_gpu_expr(args.gpu[0])
    except AdvisorError:
        return args  # hardware_from_args reports the bad name with its hint
    if count != 1:
        return args
    return argparse.Namespace(**{**vars(args), "gpu_count": args.gpus})


def setup_from_args(args: argparse.Namespace) -> EstimateSetup:
    """The ``EstimateSetup`` the flags describe (validated; InvalidValueError on bad input)."""
    from advisor.models.base import RecordError
    from advisor.models.estimate import EstimateSetup

    mode = Mode(args.mode)
    method = Method(args.method)
    if args.precision is not None:
        precision = parse_precision(args.precision)
    elif mode is Mode.TRAINING and method is Method.QLORA:
        precision = Precision.NF4
    else:
        precision = Precision.BF16
    targets = None
    if args.lora_targets is not None:
        targets = tuple(t.strip() for t in args.lora_targets.split(",") if t.strip())
        if not targets:
            raise InvalidValueError(
                f"--lora-targets {args.lora_targets!r} names no module",
                "use all-linear, attention, or names such as q_proj,v_proj",
            )
    values: dict[str, Any] = {
        "mode": mode,
        "method": method,
        "precision": precision,
        "mixed_precision": args.mixed_precision,
        "optimizer": Optimizer(args.optimizer),
        "batch": args.batch,
        "seq": args.seq,
        "gen": args.gen,
        "gradient_checkpointing": args.gradient_checkpointing,
        "lora_rank": args.lora_rank,
        "lora_dropout": args.lora_dropout,
        "lora_targets": targets,
        "cpu_offload": args.cpu_offload,
        "activation_offload": args.activation_offload,
        "chunked_loss": args.chunked_loss,
        "optimizer_in_backward": args.optimizer_in_backward,
        "gradients_freed": args.gradients_freed,
        "runtime": Runtime(args.runtime),
        "gpus": args.gpus,
        "zero": args.zero,
        "fsdp": args.fsdp,
        # Serving on several GPUs splits each layer across them (tensor parallelism).
        "tensor_parallel": args.gpus if mode is Mode.INFERENCE else 1,
    }
    if args.flash_attention is not None:
        values["flash_attention"] = args.flash_attention
    try:
        return EstimateSetup(**values)
    except RecordError as exc:
        # EstimateSetup's own checks raise InvalidValueError with a hint; a RecordError is a
        # field bound it declares.
        raise InvalidValueError(str(exc), "see `advisor estimate --help`") from None


def resolve_model(text: str, *, revision: str | None = None) -> tuple[ModelArch, str | None]:
    """The architecture of MODEL: a config path, a catalog id, or a Hub repo id.

    A Hub repo id is read through ``advisor.hub.hub_arch`` (the user's HF cache, advisor's
    cache of the Hub, or the Hub; ``HubError`` subclasses, exit 1, when none can answer).
    """
    from advisor.estimate.config import arch_from_config, load_config

    path = Path(text).expanduser()
    if _exists(path, text) or _looks_like_path(text):
        config = load_config(path)  # UnknownModelError when missing, ConfigError when broken
        file = path / "config.json" if path.is_dir() else path
        return arch_from_config(config, source=str(file)), None

    from advisor.catalog import load_catalog

    catalog = load_catalog()
    spec = catalog.find(text) or (catalog.by_repo(text) if "/" in text else None)
    if spec is not None:
        return spec.arch(), spec.id
    if text.count("/") == 1:
        from advisor.hub import hub_arch
        from advisor.models.catalog import repo_id_problem

        problem = repo_id_problem(text)
        if problem is not None:
            raise InvalidValueError(
                f"MODEL {_shown(text)} is neither a catalog id nor a Hub repo id: {problem}",
                "see `advisor catalog list`, or write owner/name",
            )

        arch, _ = hub_arch(text, revision=revision)
        return arch, text
    catalog.get(text)  # raises UnknownModelError with the closest ids
    raise UnknownModelError(f"no catalog model {text!r}", "run `advisor catalog list`")


def _check_lora_targets(arch: ModelArch, setup: EstimateSetup) -> None:
    """Named LoRA targets must match at least one linear module of the model."""
    from advisor.estimate.config import module_shapes
    from advisor.estimate.training import lora_target_modules

    if setup.mode is not Mode.TRAINING or setup.method not in (Method.LORA, Method.QLORA):
        return
    shapes = module_shapes(arch)
    if not setup.lora_targets or not shapes or lora_target_modules(arch, setup.lora_targets):
        return
    names = sorted({m.name for m in shapes if m.is_linear})
    raise InvalidValueError(
        f"LoRA targets {','.join(setup.lora_targets)!r} match no linear module of this model",
        "use all-linear, attention, mlp, or some of: " + ", ".join(names[:12]),
    )


def _exists(path: Path, text: str) -> bool:
    """Whether MODEL names an existing file or folder; a name no file system accepts (a part
    over 255 bytes, a NUL byte) is a usage error naming the limit."""
    try:
        return path.exists()
    except (OSError, ValueError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InvalidValueError(
            f"MODEL {_shown(text)} is not a usable name ({why})",
            "a path part is at most 255 bytes, a catalog id or owner/name Hub repo id 96 "
            "characters per part",
        ) from None


def _shown(text: str) -> str:
    """``text`` quoted for an error line, cut to 60 characters."""
    return repr(shorten(text, 60))


def _looks_like_path(text: str) -> bool:
    return text.endswith(".json") or text.startswith((".", "/", "~")) or text.count("/") > 1


def hardware_capacity(result: Estimate) -> int | None:
    """Memory of the device the estimate was judged against (None without a GPU)."""
    if result.headroom_bytes is None:
        return None
    return result.memory.total_bytes + result.headroom_bytes


def _gib(n: float) -> str:
    return f"{n / 1024**3:,.2f} GiB"


def render(result: Estimate, capacity: int | None, title: str) -> None:
    """The human view: summary, breakdown table, bar against the device's memory."""
    from rich.markup import escape
    from rich.table import Table

    console = stdout_console()
    m, s = result.model, result.setup
    title = escape(title)
    params = (
        f"{m.params / 1e9:,.2f}B params" if m.params >= 1e8 else f"{m.params / 1e6:,.1f}M params"
    )
    if m.params_active:
        params += f" ({m.params_active / 1e9:,.2f}B active)"
    what = f"{s.mode.value}, {s.precision.value}"
    if s.mode is Mode.TRAINING:
        what = f"{s.method.value} fine-tuning, {s.precision.value}, {s.optimizer.value}"
    console.print(f"[bold]{title}[/bold]  {params}  ·  {what}  ·  batch {s.batch} × {s.seq} tokens")

    b = result.memory.breakdown
    rows = [
        ("weights", b.weights_bytes),
        ("KV cache", b.kv_cache_bytes),
        ("activations", b.activations_bytes),
        ("gradients", b.gradients_bytes),
        ("optimizer", b.optimizer_bytes),
        ("overhead", b.overhead_bytes),
    ]
    devices = result.memory.devices
    table = Table(title=f"Peak memory per device ({devices} GPU{'s' if devices > 1 else ''})")
    table.add_column("part")
    table.add_column("memory", justify="right")
    table.add_column("share", justify="right")
    total = max(result.memory.total_bytes, 1)
    for name, value in rows:
        table.add_row(name, _gib(value), f"{100 * value / total:.0f}%")
    table.add_row("[bold]total[/bold]", f"[bold]{_gib(result.memory.total_bytes)}[/bold]", "")
    console.print(table)
    console.print(_bar(rows, result.memory.total_bytes, capacity))

    t = result.throughput
    speeds = [
        ("decode", t.decode_tokens_per_s),
        ("prefill", t.prefill_tokens_per_s),
        ("training", t.train_tokens_per_s),
    ]
    known = [f"{name} {value:,.0f} tokens/s" for name, value in speeds if value]
    if known:
        console.print("speed: " + ", ".join(known))
    headroom = result.headroom_bytes
    if result.fits:
        console.print(f"[green]fits[/green] ({_gib(headroom or 0)} left)")
    elif result.fits is False:
        short = f" ({_gib(-headroom)} short)" if headroom is not None and headroom < 0 else ""
        console.print(f"[red]does not fit[/red]{short}; see the notes below")
    else:
        console.print("no GPU to judge against (use --gpu NAME to plan for one)")
    for line in result.assumptions:
        console.print(f"[dim]· {line}[/dim]")


_COLOURS = ("blue", "magenta", "yellow", "red", "cyan", "white")


def _bar(rows: list[tuple[str, int]], total: int, capacity: int | None, width: int = 40) -> str:
    """A stacked bar of the breakdown, scaled to the device's memory when known."""
    scale = max(capacity or 0, total, 1)
    cells: list[str] = []
    for (_, value), colour in zip(rows, _COLOURS, strict=True):
        n = round(width * value / scale)
        if n:
            cells.append(f"[{colour}]{'█' * n}[/{colour}]")
    used = sum(round(width * v / scale) for _, v in rows)
    free = "░" * max(width - used, 0)
    label = f" {_gib(total)} of {_gib(capacity)}" if capacity else f" {_gib(total)}"
    legend = "  ".join(
        f"[{c}]█[/{c}] {name}" for (name, v), c in zip(rows, _COLOURS, strict=True) if v
    )
    return "".join(cells) + free + label + "\n" + legend
