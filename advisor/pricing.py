"""Which hourly price a cost was computed from, in words a report can show.

Costs (``advisor estimate`` ``cost_usd``, ``advisor recommend`` ``cost_usd_per_epoch`` and
``--budget``) multiply GPU-hours by the ``hourly_usd`` of the catalog GPU a device matched
(``catalog/gpus.toml``). ``price_assumption`` names that price, whose list it is from and when it
was read, so a reader can judge how current the cost is.
"""

from __future__ import annotations

from advisor.models.hardware import GpuInfo, GpuSpec

PRICE_PREFIX = "cost at "
"""How every price assumption starts (views pick the line out of a report's assumptions)."""


def price_assumption(gpu: GpuInfo | None) -> str | None:
    """``'cost at $3.49/GPU-hour, RunPod Secure Cloud on-demand, 2026-09-25'`` for the price
    costs on ``gpu`` use; None when it has no price.

    Provider and date come from the catalog entry the device matched; a price without one
    (not from the shipped catalog) is shown alone, marked as of unknown origin.
    """
    if gpu is None or gpu.hourly_usd is None:
        return None
    head = f"{PRICE_PREFIX}${gpu.hourly_usd:,.2f}/GPU-hour"
    spec = _spec(gpu.spec_id)
    if spec is None or spec.hourly_usd != gpu.hourly_usd or spec.price_provider is None:
        return f"{head} (source of the price unknown)"
    when = f", {spec.price_date.isoformat()}" if spec.price_date else ""
    return f"{head}, {spec.price_provider}{when}"


def _spec(spec_id: str | None) -> GpuSpec | None:
    if spec_id is None:
        return None
    from advisor.gpus import load_gpus  # cached; only a priced GPU needs it

    return next((s for s in load_gpus() if s.id == spec_id), None)
