"""Typed structures that cross boundaries (library ↔ CLI ↔ TUI ↔ JSON). All frozen."""

from advisor.models.base import SCHEMA_VERSION, Frozen
from advisor.models.hardware import CpuInfo, GpuInfo, GpuSpec, HardwareProfile, ProbeError, Vendor
from advisor.models.task import Task, parse_task

__all__ = [
    "SCHEMA_VERSION",
    "CpuInfo",
    "Frozen",
    "GpuInfo",
    "GpuSpec",
    "HardwareProfile",
    "ProbeError",
    "Task",
    "Vendor",
    "parse_task",
]
