"""Time per repo of ``advisor catalog refresh`` for every task, against the loopback fake Hub.

The stand-in (tests/hub/fakehub.py, the real huggingface_hub client) holds the shared test
repos plus, per task, ``--per-task`` tiny Llama-style repos (config.json and a safetensors
header) with that task's first pipeline tag from catalog/tasks.toml. Each task is refreshed once
into a fresh ``ADVISOR_HOME``; the table shows what the refresh did and the mean time of the repos
it added (listing excluded). A second refresh of text-generation shows that nothing changes.

This measures advisor's own cost per repo (three requests on loopback, record building and
validation), not the network: on huggingface.co add the round trips.

Run: ``python bench/hub_refresh.py [--per-task N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-task", type=int, default=5, help="stand-in repos per task")
    per_task = parser.parse_args().per_task
    os.environ["ADVISOR_HOME"] = tempfile.mkdtemp(prefix="advisor-bench-")
    from huggingface_hub import constants as hf_constants

    from tests.hub.fakehub import FakeFile, FakeHub, FakeRepo
    from tests.hub.models import TINY_CONFIG, decoder_tensors, populate, safetensors_file

    hf_constants.HF_HUB_DISABLE_TELEMETRY = True  # never reach the real Hub
    hub = FakeHub().start()
    populate(hub)
    os.environ.update(HF_ENDPOINT=hub.url, HF_HUB_OFFLINE="0")
    mapping = tomllib.loads((ROOT / "catalog" / "tasks.toml").read_text())["hub_pipeline_tags"]
    for entry in mapping:
        for i in range(per_task):
            hub.add(FakeRepo(f"standin-{entry['task']}/model-{i}", {
                "config.json": FakeFile(json.dumps(TINY_CONFIG).encode()),
                "model.safetensors": safetensors_file(decoder_tensors(TINY_CONFIG), "F32"),
            }, info={
                "pipeline_tag": entry["pipeline_tags"][0], "downloads": 100 - i,
                "tags": list(entry.get("require_tags", [])),
                "cardData": {"license": "apache-2.0", "language": ["en", "de"]},
            }))  # fmt: skip

    from advisor.hub.refresh import refresh
    from advisor.models.task import parse_task

    print(f"{'task':22} {'listed':>6}  {'outcomes':40} {'total s':>7} {'ms/added repo':>13}")
    try:
        for entry in mapping:
            result = refresh(parse_task(entry["task"]), limit=20)
            counts = Counter(o.action for o in result.outcomes)
            added = [o.seconds for o in result.outcomes if o.action in ("added", "replaced")]
            mean = f"{1000 * statistics.mean(added):.0f}" if added else "-"
            summary = ", ".join(f"{n} {a}" for a, n in sorted(counts.items()))
            task, total = entry["task"], result.seconds
            print(f"{task:22} {result.listed:6}  {summary:40} {total:7.2f} {mean:>13}")
        again = refresh(parse_task("text-generation"), limit=20)
        changed = sum(o.action in ("added", "replaced") for o in again.outcomes)
        print(f"second text-generation refresh: {changed} changed, {again.seconds:.2f} s")
    finally:
        hub.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
