"""Seeded synthetic racing world with known truth (see docs/synthetic-world.md)."""

from hrdpg.synth.config import SynthConfig, ew_terms
from hrdpg.synth.world import World, generate

__all__ = ["SynthConfig", "World", "ew_terms", "generate"]
