"""The one seam for randomness: every random draw of training and segmentation comes from a `Draws` provider.

A draw has a *role* (what it is for: ``"reference_noise"``, ``"posterior.guided"``, ``"t"``, ...) and *keys*
(the frames it covers, or the training step). The default provider, `SeededDraws`, derives each key's draw
from (seed, role, key) alone, so results do not depend on batching, windows or the order of calls; a test
replaces it with the authors' recorded draws by role (tests/test_fidelity_e2e.py) without patching anything.

Roles of segmentation (smite.segment), per window: ``posterior.reference``, ``reference_t``,
``reference_noise``, ``posterior.guided``, ``guided_noise``; of training (smite.learn.train), per step:
``posterior``, ``t``, ``noise``; of single passes (validation, images): ``posterior``, ``t``, ``noise``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Protocol

import torch


class Draws(Protocol):
    """Where the random numbers come from (see the module docstring for the roles)."""

    def normal(self, role: str, shape: Sequence[int], keys: Sequence[int]) -> torch.Tensor:
        """Standard normal float32 of `shape`, whose first axis is one row per key."""
        ...

    def integer(self, role: str, low: int, high: int, key: int) -> int:
        """A uniform integer of the inclusive range [low, high]."""
        ...


def key_seed(seed: int, role: str, key: int) -> int:
    """A 63-bit seed from (seed, role, key): independent streams per role, stable across machines."""
    digest = hashlib.sha256(f"{int(seed)}/{role}/{int(key)}".encode()).digest()
    return int.from_bytes(digest[:8], "little") & (2**63 - 1)


class SeededDraws:
    """The default provider: the draw of each key from its own generator seeded by (seed, role, key)."""

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)

    def _generator(self, role: str, key: int) -> torch.Generator:
        return torch.Generator().manual_seed(key_seed(self.seed, role, key))

    def normal(self, role: str, shape: Sequence[int], keys: Sequence[int]) -> torch.Tensor:
        shape = tuple(int(s) for s in shape)
        if not shape or shape[0] != len(keys):
            raise ValueError(f"a draw of shape {shape} needs one key per row, got {len(keys)} keys")
        return torch.stack([torch.randn(shape[1:], generator=self._generator(role, key)) for key in keys])

    def integer(self, role: str, low: int, high: int, key: int) -> int:
        if not 0 <= low <= high:
            raise ValueError(f"need 0 <= low <= high, got [{low}, {high}]")
        return int(torch.randint(int(low), int(high) + 1, (1,), generator=self._generator(role, key)))


class PrefixedDraws:
    """Another provider's draws under prefixed roles: the independent draws of a sub-run (a tile)."""

    def __init__(self, draws: Draws, prefix: str) -> None:
        self.draws, self.prefix = draws, prefix

    def normal(self, role: str, shape: Sequence[int], keys: Sequence[int]) -> torch.Tensor:
        return self.draws.normal(self.prefix + role, shape, keys)

    def integer(self, role: str, low: int, high: int, key: int) -> int:
        return self.draws.integer(self.prefix + role, low, high, key)
