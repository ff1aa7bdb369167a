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


def guidance_step_size(alpha_t: float, lr: float) -> float:
    """lr * sigma_t with sigma_t = (1 - alpha_t) / alpha_t, alpha_t = 1 - beta_t the scheduler's *per-step* alpha.

    The authors' _update_latent_with_gradient (src/latent_optimization.py) reads `scheduler.alphas[t]`, not
    the cumulative product, with lr = 10.
    """
    if not 0 < alpha_t <= 1:
        raise ValueError(f"alpha_t must be in (0, 1]; got {alpha_t}")
    return lr * (1 - alpha_t) / alpha_t
