"""``Study.trials_dataframe``: trials as a pandas DataFrame (pandas imported on use)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from skipjack._records import TrialState

if TYPE_CHECKING:
    import pandas as pd

    from skipjack.study._study import Study

__all__ = ["trials_dataframe"]

# System attributes skipjack keeps for itself (failure reasons, decision logs, constraint names):
# left out of the DataFrame so that its columns are Optuna's.
_PRIVATE_SYSTEM_KEYS = ("fail_reason",)
_PRIVATE_SYSTEM_PREFIX = "skipjack:"


def trials_dataframe(study: Study, attrs: tuple[str, ...], multi_index: bool) -> pd.DataFrame:
    """Build the DataFrame with Optuna's columns: one row per trial; a dict attribute becomes one
    column per key (sorted), ``values`` one per objective (named by ``set_metric_names``, else
    0, 1...), a state its name; flat column names join the parts with ``_``."""
    try:
        import pandas as pd
    except ImportError as e:
        raise ImportError(
            "trials_dataframe needs pandas: pip install pandas (or skipjack[pandas])."
        ) from e

    trials = study.get_trials(deepcopy=False)
    if not trials:
        return pd.DataFrame()
    attrs = tuple(attrs)
    if "value" in attrs and study._is_multi_objective():
        attrs = tuple("values" if a == "value" else a for a in attrs)
    metric_names = study.metric_names
    n_objectives = len(study.directions)
    # the column group of each attribute: "_x" is shown as "x"
    groups = {attr: attr[1:] if attr.startswith("_") else attr for attr in attrs}
    found: dict[str, set[tuple[str, Any]]] = {}
    rows: list[dict[tuple[str, Any], Any]] = []
    for trial in trials:
        row: dict[tuple[str, Any], Any] = {}
        for attr, group in groups.items():
            value = getattr(trial, attr)
            keys = found.setdefault(attr, set())
            if isinstance(value, TrialState):
                value = value.name
            if isinstance(value, dict):
                items: Any = value.items()
                if attr == "system_attrs":
                    items = [(k, v) for k, v in items if not _private(k)]
            elif attr == "values":
                values = [None] * n_objectives if value is None else value
                items = zip(metric_names, values) if metric_names else enumerate(values)
            elif isinstance(value, list):
                items = enumerate(value)
            elif attr == "value":
                items = [("" if metric_names is None else metric_names[0], value)]
            else:
                items = [("", value)]
            for key, v in items:
                row[(group, key)] = v
                keys.add((group, key))
        rows.append(row)

    columns: list[tuple[str, Any]] = []
    for attr in attrs:
        group_keys = found.get(attr)
        if not group_keys:
            continue
        if attr == "values" and metric_names:
            columns.extend((groups[attr], name) for name in metric_names)
        else:
            columns.extend(sorted(group_keys, key=_column_order))
    df = pd.DataFrame(rows, columns=pd.MultiIndex.from_tuples(columns))
    if not multi_index:
        df.columns = ["_".join(str(part) for part in col if part != "") for col in columns]
    return df


def _private(key: str) -> bool:
    return key in _PRIVATE_SYSTEM_KEYS or key.startswith(_PRIVATE_SYSTEM_PREFIX)


def _column_order(column: tuple[str, Any]) -> tuple[str, int, Any]:
    # keys of one group are all str or all int (steps, objective indices); mixed: by type name
    key = column[1]
    return (column[0], 0, key) if isinstance(key, str) else (column[0], 1, key)
