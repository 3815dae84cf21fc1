"""A Lightning module pruned by optuna-integration's ``PyTorchLightningPruningCallback``.

uses: optuna-integration, torch, lightning
timeout: 600
"""

import lightning.pytorch as pl
import optuna
import torch
import torch.nn as nn
import torch.nn.functional as F
from optuna.integration import PyTorchLightningPruningCallback
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
X = torch.randn(512, 10)
Y = (X[:, :2].sum(dim=1) > 0).long()


class Net(pl.LightningModule):
    def __init__(self, units, lr):
        super().__init__()
        self.model = nn.Sequential(nn.Linear(10, units), nn.ReLU(), nn.Linear(units, 2))
        self.lr = lr

    def training_step(self, batch, batch_idx):
        x, y = batch
        return F.cross_entropy(self.model(x), y)

    def validation_step(self, batch, batch_idx):
        x, y = batch
        accuracy = (self.model(x).argmax(dim=1) == y).float().mean()
        self.log("val_acc", accuracy)

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.lr)


def objective(trial):
    units = trial.suggest_int("units", 2, 32, log=True)
    lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
    train = DataLoader(TensorDataset(X[:384], Y[:384]), batch_size=64, shuffle=True)
    valid = DataLoader(TensorDataset(X[384:], Y[384:]), batch_size=128)
    trainer = pl.Trainer(
        logger=False, enable_checkpointing=False, enable_progress_bar=False,
        enable_model_summary=False, max_epochs=6, accelerator="cpu", devices=1,
        callbacks=[PyTorchLightningPruningCallback(trial, monitor="val_acc")],
    )
    trainer.fit(Net(units, lr), train_dataloaders=train, val_dataloaders=valid)
    return trainer.callback_metrics["val_acc"].item()


if __name__ == "__main__":
    torch.set_num_threads(1)
    pruner = optuna.pruners.MedianPruner(n_warmup_steps=1)
    study = optuna.create_study(direction="maximize", pruner=pruner)
    study.optimize(objective, n_trials=10, timeout=600)
    print(f"{len(study.trials)} trials, best {study.best_value:.3f}", study.best_params)
    assert study.best_trial.intermediate_values and study.best_value > 0.5
