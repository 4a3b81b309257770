"""Jingzhun's policy engine: standards as data (TOML packs), assessed column-wise with Polars.

Pure Python — nothing here imports Django, so the CLI, the web app, benchmarks and tests all
share it. See docs/policy.md for the pack format and jingzhun.policy.facts for the input frames.
"""

from .engine import (
    MEMBER_COUNT,
    CriterionResult,
    EntityResult,
    assess,
    assess_one,
    entity_results,
    member_predicates,
    to_report,
    verdicts,
    write_report,
)
from .errors import PolicyError
from .pack import CriterionSpec, Pack, Source
from .params import Parameter
from .registry import clear_cache, get_pack, list_rows, load_packs

__all__ = [
    "MEMBER_COUNT",
    "CriterionResult",
    "CriterionSpec",
    "EntityResult",
    "Pack",
    "Parameter",
    "PolicyError",
    "Source",
    "assess",
    "assess_one",
    "clear_cache",
    "entity_results",
    "get_pack",
    "list_rows",
    "load_packs",
    "member_predicates",
    "to_report",
    "verdicts",
    "write_report",
]
