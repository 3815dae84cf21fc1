"""Validation of ``TPESampler``'s arguments and Optuna's FutureWarnings for deprecated ones."""

from __future__ import annotations

from typing import Any

from skipjack._deprecation import warn_deprecated_argument, warn_experimental_argument

__all__ = ["check_arguments"]

# argument -> Optuna version that deprecated it (all are scheduled for removal in 6.0.0)
_DEPRECATED = {
    "consider_prior": "4.3.0",
    "prior_weight": "4.9.0",
    "consider_magic_clip": "4.9.0",
    "consider_endpoints": "4.9.0",
    "gamma": "4.9.0",
    "weights": "4.9.0",
    "warn_independent_sampling": "4.9.0",
}


def check_arguments(args: dict[str, Any]) -> None:
    """Warn about deprecated arguments that were given; raise ValueError naming a bad one."""
    owner = "TPESampler"
    for name, since in _DEPRECATED.items():
        if args[name] is not None:
            warn_deprecated_argument(owner, name, since, "6.0.0")
    if args["constraints_func"] is not None:
        warn_deprecated_argument(owner, "constraints_func", "5.0.0", "7.0.0",
                                 "Trial.set_constraint")
    for name, minimum in (("n_startup_trials", 0), ("n_ei_candidates", 1)):
        value = args[name]
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise ValueError(
                f"The '{name}' argument of TPESampler must be an int >= {minimum}. Got {value!r}."
            )
    if args["group"] and args["multivariate"] is False:
        raise ValueError(
            "The 'group' argument of TPESampler requires multivariate TPE. Got group=True "
            "with multivariate=False: pass multivariate=True (or leave it None)."
        )
    if args["group"]:
        warn_experimental_argument("group")
    prior_weight = args["prior_weight"]
    if prior_weight is not None and not prior_weight > 0:
        raise ValueError(
            f"The 'prior_weight' argument of TPESampler must be > 0. Got {prior_weight!r}."
        )
    for name in ("gamma", "weights", "constraints_func"):
        func = args[name]
        if func is not None and not callable(func):
            raise ValueError(
                f"The '{name}' argument of TPESampler must be callable or None. Got {func!r}."
            )
