"""``TerminatorCallback``: a ``Study.optimize`` callback that stops the study when its
terminator says so."""

from __future__ import annotations

from typing import TYPE_CHECKING

from skipjack.logging import get_logger
from skipjack.terminator._warnings import warn_terminator_deprecated
from skipjack.terminator.terminator import BaseTerminator, Terminator

if TYPE_CHECKING:
    from skipjack._records import FrozenTrial
    from skipjack.study import Study

__all__ = ["TerminatorCallback"]

_logger = get_logger(__name__)


class TerminatorCallback:
    """Stop ``Study.optimize`` after the first trial at which ``terminator.should_terminate``
    is true.

    Args:
        terminator: defaults to ``Terminator()``.
    """

    def __init__(self, terminator: BaseTerminator | None = None) -> None:
        warn_terminator_deprecated()
        self._terminator = terminator or Terminator()

    def __call__(self, study: Study, trial: FrozenTrial) -> None:
        if self._terminator.should_terminate(study=study):
            _logger.info("The study has been stopped by the terminator.")
            study.stop()
