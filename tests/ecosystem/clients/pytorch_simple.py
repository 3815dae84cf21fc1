"""A small PyTorch network (layers, units, dropout, optimizer tuned) pruned epoch by epoch.

uses: optuna, torch
timeout: 600
"""

import optuna
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
N_FEATURES, N_CLASSES = 20, 3
X = torch.randn(600, N_FEATURES)
Y = (X[:, :3].sum(dim=1) > 0).long() + (X[:, 3] > 1).long()
TRAIN, VALID = slice(0, 450), slice(450, 600)


def define_model(trial):
    n_layers = trial.suggest_int("n_layers", 1, 3)
    layers = []
    in_features = N_FEATURES
    for i in range(n_layers):
        out_features = trial.suggest_int(f"n_units_l{i}", 4, 64)
        layers.append(nn.Linear(in_features, out_features))
        layers.append(nn.ReLU())
        layers.append(nn.Dropout(trial.suggest_float(f"dropout_l{i}", 0.0, 0.5)))
        in_features = out_features
    layers.append(nn.Linear(in_features, N_CLASSES))
    return nn.Sequential(*layers)


def objective(trial):
    model = define_model(trial)
    optimizer_name = trial.suggest_categorical("optimizer", ["Adam", "RMSprop", "SGD"])
    lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
    optimizer = getattr(torch.optim, optimizer_name)(model.parameters(), lr=lr)
    for epoch in range(10):
        model.train()
        for batch in torch.split(torch.randperm(450), 64):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(X[TRAIN][batch]), Y[TRAIN][batch])
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            accuracy = (model(X[VALID]).argmax(dim=1) == Y[VALID]).float().mean().item()
        trial.report(accuracy, epoch)
        if trial.should_prune():
            raise optuna.exceptions.TrialPruned()
    return accuracy


if __name__ == "__main__":
    torch.set_num_threads(1)
    study = optuna.create_study(direction="maximize")
    study.optimize(objective, n_trials=20, timeout=600)
    pruned = study.get_trials(deepcopy=False, states=[optuna.trial.TrialState.PRUNED])
    print(f"{len(study.trials)} trials, {len(pruned)} pruned, best {study.best_value:.3f}",
          study.best_params)
    assert study.best_value > 0.5
