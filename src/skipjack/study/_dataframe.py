"""``Study.trials_dataframe``: trials as a pandas DataFrame (pandas imported on use)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from skipjack.study._study import Study

__all__ = ["trials_dataframe"]

_NESTED = ("params", "user_attrs", "system_attrs", "intermediate_values")


def trials_dataframe(study: Study, attrs: tuple[str, ...], multi_index: bool) -> pd.DataFrame:
    """Build the DataFrame as Optuna does: one row per trial, nested attributes as columns."""
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
    rows: list[dict[tuple[str, str], Any]] = []
    columns: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()

    def add(row: dict[tuple[str, str], Any], key: tuple[str, str], value: Any) -> None:
        row[key] = value
        if key not in seen:
            seen.add(key)
            columns.append(key)

    for trial in trials:
        row: dict[tuple[str, str], Any] = {}
        for attr in attrs:
            if attr in _NESTED:
                value = getattr(trial, attr)
                for k, v in value.items():
                    add(row, (attr, str(k)), v)
                continue
            if attr == "values":
                values = trial.values
                n = len(study.directions)
                for i in range(n):
                    name = metric_names[i] if metric_names else str(i)
                    add(row, ("values", name), None if values is None else values[i])
                continue
            if attr == "value":
                if metric_names:
                    add(row, (metric_names[0], ""), trial.value)
                else:
                    add(row, ("value", ""), trial.value)
                continue
            if attr == "state":
                add(row, ("state", ""), trial.state.name)
                continue
            add(row, (attr, ""), getattr(trial, attr))
        rows.append(row)

    df = pd.DataFrame(rows, columns=pd.MultiIndex.from_tuples(columns))
    if not multi_index:
        df.columns = [
            "_".join(part for part in col if part) if col[1] else col[0] for col in df.columns
        ]
    return df
