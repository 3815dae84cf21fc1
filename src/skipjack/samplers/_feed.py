"""The stateful samplers' view of a study (CMA-ES, the GA samplers): the study feed.

``TrialFeed`` lives in ``skipjack/_study_feed.py`` (the one incremental view of a study's trials
and its rule for unfinished trials); it is re-exported here for the samplers that import it.
"""

from __future__ import annotations

from skipjack._study_feed import TrialFeed

__all__ = ["TrialFeed"]
