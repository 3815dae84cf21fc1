"""The ``optuna`` command: create-study, ask, tell, trials, best-trial on a SQLite storage.

uses: optuna (CLI), sqlalchemy
"""

import json
import os
import subprocess
import tempfile

if __name__ == "__main__":
    storage = f"sqlite:///{os.path.join(tempfile.mkdtemp(), 'cli.db')}"

    def optuna_cli(*args):
        out = subprocess.run(["optuna", *args], capture_output=True, text=True, check=True)
        return out.stdout

    optuna_cli("create-study", "--study-name", "cli", "--storage", storage,
               "--direction", "minimize")
    space = json.dumps({"x": {"name": "FloatDistribution",
                              "attributes": {"low": -1.0, "high": 1.0}}})
    for _ in range(3):
        asked = json.loads(optuna_cli("ask", "--storage", storage, "--study-name", "cli",
                                      "--search-space", space, "--format", "json"))
        optuna_cli("tell", "--storage", storage, "--study-name", "cli",
                   "--trial-number", str(asked["number"]),
                   "--values", str(asked["params"]["x"] ** 2))
    trials = json.loads(optuna_cli("trials", "--storage", storage, "--study-name", "cli",
                                   "--format", "json"))
    best = json.loads(optuna_cli("best-trial", "--storage", storage, "--study-name", "cli",
                                 "--format", "json"))
    studies = json.loads(optuna_cli("studies", "--storage", storage, "--format", "json"))
    print(len(trials), best["value"], studies[0]["name"])
    assert len(trials) == 3 and studies[0]["name"] == "cli" and studies[0]["n_trials"] == 3
