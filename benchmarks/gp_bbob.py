"""GPSampler on COCO/BBOB: a thin wrapper over ``benchmarks/bbob.py`` with GP defaults.

Same protocol, flags, cache and report as ``bbob.py`` (which documents them); only the default
sampler set (skipjack's and Optuna's GPSampler, Optuna's multivariate TPE, random search) and the
head-to-head sampler (``skipjack-gp``) differ. Example::

    nice -n 19 .benchenv/bin/python benchmarks/gp_bbob.py --functions 1-24 --dims 2,5,10 \\
        --instances 1 --seeds 3 --trials 100 --jobs 1
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bbob  # noqa: E402

if __name__ == "__main__":
    bbob.main(default_samplers="skipjack-gp,optuna-gp,optuna-tpe,skipjack-random",
              default_main="skipjack-gp")
