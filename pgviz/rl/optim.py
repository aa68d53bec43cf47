"""Two optimizers in NumPy, to show what each does with the scale of a loss (notebook 05).

* :class:`SGD`: θ ← θ − lr ∇L. Multiplying L by c multiplies every step by c: a learning rate
  1/c times smaller undoes it ("the learning rate absorbs the scale").
* :class:`Adam` (Kingma & Ba 2015, Algorithm 1, the update ``torch.optim.Adam`` makes without
  weight decay): m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², θ ← θ − lr m̂ / (√v̂ + ε) with the
  bias-corrected m̂ = m / (1 − β₁^t), v̂ = v / (1 − β₂^t). Multiplying L by c > 0 multiplies m by c
  and √v by c, so the step does not change at all (up to ε): under Adam the loss's scale
  (``sum`` against ``mean``, a constant factor) is irrelevant.

:func:`optimize` takes steps with either one on a gradient function.
"""

from __future__ import annotations

import numpy as np

from pgviz.validation import check_count, check_in_range, check_positive, check_real_array

__all__ = ["SGD", "Adam", "optimize"]


class SGD:
    """Plain gradient descent: θ ← θ − lr ∇L."""

    def __init__(self, lr: float):
        self.lr = check_positive(lr, "lr")

    def step(self, theta, grad) -> np.ndarray:
        """The next θ [P] from θ [P] and ∇L(θ) [P]."""
        theta, grad = _check_pair(theta, grad)
        return theta - self.lr * grad


class Adam:
    """Adam with state (m, v, t); :meth:`step` returns the next θ (Kingma & Ba 2015, Algorithm 1).

    Defaults as ``torch.optim.Adam``: betas (0.9, 0.999), eps 1e-8.
    """

    def __init__(self, lr: float, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        self.lr = check_positive(lr, "lr")
        self.beta1 = check_in_range(beta1, "beta1", 0.0, 1.0, high_open=True)
        self.beta2 = check_in_range(beta2, "beta2", 0.0, 1.0, high_open=True)
        self.eps = check_in_range(eps, "eps", 0.0, 1.0)
        self.m = self.v = None  # first and second moment estimates [P]
        self.t = 0

    def step(self, theta, grad) -> np.ndarray:
        """The next θ [P] from θ [P] and ∇L(θ) [P]; updates m, v and t."""
        theta, grad = _check_pair(theta, grad)
        if self.m is None:
            self.m, self.v = np.zeros_like(grad), np.zeros_like(grad)
        elif self.m.shape != grad.shape:
            raise ValueError(f"grad must have the shape of the earlier steps {self.m.shape}, got {grad.shape}")
        self.t += 1
        self.m = self.beta1 * self.m + (1 - self.beta1) * grad
        self.v = self.beta2 * self.v + (1 - self.beta2) * grad**2
        m_hat = self.m / (1 - self.beta1**self.t)
        v_hat = self.v / (1 - self.beta2**self.t)
        return theta - self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


def _check_pair(theta, grad) -> tuple[np.ndarray, np.ndarray]:
    theta = check_real_array(theta, "theta", ndim=1)
    grad = check_real_array(grad, "grad", ndim=1)
    if grad.shape != theta.shape:
        raise ValueError(f"grad must have the shape of theta {theta.shape}, got {grad.shape}")
    return theta, grad


def optimize(gradient, theta0, optimizer, num_steps: int) -> np.ndarray:
    """``num_steps`` steps θ ← optimizer.step(θ, gradient(θ)) from θ_0: every θ, shape [I + 1, P].

    Args:
        gradient: a function θ [P] -> ∇L(θ) [P] (e.g. ``functools.partial`` of
            :func:`pgviz.rl.surrogate_loss_gradient` on a fixed batch).
        theta0: the start [P]; optimizer: an :class:`SGD` or :class:`Adam` (its state is advanced);
        num_steps: I >= 1.
    """
    if not callable(gradient):
        raise TypeError(f"gradient must be a function of theta, got {type(gradient).__name__}")
    theta = check_real_array(theta0, "theta0", ndim=1).copy()
    if not isinstance(optimizer, (SGD, Adam)):
        raise TypeError(f"optimizer must be a pgviz.rl.optim.SGD or Adam, got {type(optimizer).__name__}")
    num_steps = check_count(num_steps, "num_steps")
    thetas = [theta]
    for _ in range(num_steps):
        thetas.append(optimizer.step(thetas[-1], gradient(thetas[-1])))
    return np.array(thetas)
