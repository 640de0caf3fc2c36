"""Penalties on the weight part of the flat parameter vector."""

import numpy as np


def l2_value(weights, strength):
    """``strength / 2 * ||weights||^2``."""
    return 0.5 * strength * float(np.dot(weights, weights))


def add_l2_grad(grad, weights, strength, scratch):
    """``grad += strength * weights`` using ``scratch`` instead of a temporary."""
    np.multiply(weights, strength, out=scratch)
    grad += scratch
