"""Adam-like latent update of the guidance loop (appendix 7.5 "Enhanced Convergence")."""

from __future__ import annotations

import torch


class LatentAdam:
    """Bias-corrected Adam on a latent z: z' = z - lr * M1c / (sqrt(M2c) + eps).

    Moments are kept in float32 whatever the latent dtype (squared fp16 gradients underflow); the
    iteration count i starts at 0 and the bias corrections use i + 1. Call reset() for a new latent.
    """

    def __init__(self, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-5) -> None:
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.reset()

    def reset(self) -> None:
        """Forget the moments and the iteration count."""
        self.m1: torch.Tensor | None = None
        self.m2: torch.Tensor | None = None
        self.i = 0

    @torch.no_grad()
    def step(self, z: torch.Tensor, grad: torch.Tensor, lr: float) -> torch.Tensor:
        """One update; returns the new latent (a new tensor without autograd history, dtype of z)."""
        g = grad.detach().float()
        if self.m1 is None or self.m2 is None:
            self.m1, self.m2 = torch.zeros_like(g), torch.zeros_like(g)
        elif self.m1.shape != g.shape:
            raise ValueError(f"gradient shape {tuple(g.shape)} differs from the moments' {tuple(self.m1.shape)}")
        self.m1.mul_(self.beta1).add_(g, alpha=1 - self.beta1)
        self.m2.mul_(self.beta2).addcmul_(g, g, value=1 - self.beta2)
        m1c = self.m1 / (1 - self.beta1 ** (self.i + 1))
        m2c = self.m2 / (1 - self.beta2 ** (self.i + 1))
        self.i += 1
        return (z.detach().float() - lr * m1c / (m2c.sqrt() + self.eps)).to(z.dtype)


def guidance_lr(alpha_bar_t: float, base: float) -> float:
    """Step size base * (1 - alpha_bar_t) / alpha_bar_t: larger at noisier timesteps."""
    if not 0 < alpha_bar_t <= 1:
        raise ValueError(f"alpha_bar_t must be in (0, 1]; got {alpha_bar_t}")
    return base * (1 - alpha_bar_t) / alpha_bar_t
