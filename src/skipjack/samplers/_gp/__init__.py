"""Gaussian-process Bayesian optimization (``GPSampler``) on numpy and scipy.

Modules: ``_encoding`` (parameters <-> unit cube), ``_data`` (trials -> warped, standardized
losses; degenerate-history checks; history cap), ``_gpr`` (Matern-5/2 kernel, MAP fit, posterior),
``_acquisition`` (logEI, log probability of feasibility, logEHVI), ``_boxes`` (non-dominated box
decomposition), ``_optimize`` (acquisition optimizer), ``_threads`` (one BLAS thread) and
``sampler`` (``GPSampler``). See docs/gp.md.
Nothing is imported here so that ``skipjack.samplers`` stays cheap to import.
"""

__all__: list[str] = []
