"""Lightning fit + validate + test on random data (CPU, seconds): lightning_tqdm.py and lightning_rich.py.

Logs train_loss (step and epoch), val_loss, val_acc, lr to the bar; test_loss and test_acc. The
bar's postfix is longer than 80 columns, so tqdm cuts it there.
"""
import torch
import torch.nn.functional as F
import lightning as L
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from tqdm import tqdm

from lightning.pytorch.callbacks import RichProgressBar, TQDMProgressBar

from truth import Truth

torch.manual_seed(0)
truth = Truth("lightning")
BAR = "tqdm"


def shown(v):
    # What the bar prints: tqdm's format_num (3 significant digits), Rich's column f"{v:.3f}".
    return tqdm.format_num(v) if BAR == "tqdm" else f"{v:.3f}"


class Model(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 2))

    def training_step(self, batch, _):
        x, y = batch
        loss = F.cross_entropy(self.net(x), y)
        self.log("train_loss", loss, prog_bar=True, on_step=True, on_epoch=True)
        self.log("lr", self.optimizers().param_groups[0]["lr"], prog_bar=True)
        return loss

    def _eval(self, batch, split):
        x, y = batch
        logits = self.net(x)
        self.log(f"{split}_loss", F.cross_entropy(logits, y), prog_bar=True)
        self.log(f"{split}_acc", (logits.argmax(1) == y).float().mean(), prog_bar=True)

    def validation_step(self, batch, _):
        self._eval(batch, "val")

    def test_step(self, batch, _):
        self._eval(batch, "test")

    def configure_optimizers(self):
        opt = torch.optim.SGD(self.parameters(), lr=0.1)
        return {"optimizer": opt, "lr_scheduler": torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)}


class Record(L.Callback):
    """
    What the bar shows: the progress-bar metrics after every batch, as tqdm formats them, with the
    bar's position as a step: epoch x batches per epoch + the batches it counts done.
    """

    def _bar(self, trainer, done):
        # (During the sanity check the number of training batches is not known yet: inf.)
        point = done if trainer.sanity_checking else trainer.current_epoch * trainer.num_training_batches + done
        for k, v in trainer.progress_bar_metrics.items():
            truth.add(k, v, shown(v), step=trainer.current_epoch, point=point)

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        self._bar(trainer, batch_idx + 1)

    def on_validation_end(self, trainer, *args):
        if trainer.state.fn == "fit":
            # The sanity check runs before the first batch; validation at an epoch's end, after its last.
            self._bar(trainer, 0 if trainer.sanity_checking else trainer.num_training_batches)

    def on_train_epoch_start(self, trainer, *args):
        # The new epoch's bar at 0 still shows the values of the one before.
        self._bar(trainer, 0)

    def on_train_epoch_end(self, trainer, *args):
        self._bar(trainer, trainer.num_training_batches)


def data(n, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 8, generator=g)
    y = (x[:, 0] + 0.5 * torch.randn(n, generator=g) > 0).long()
    return DataLoader(TensorDataset(x, y), batch_size=16)


def main(bar):
    global BAR
    BAR = bar
    model = Model()
    progress = TQDMProgressBar() if bar == "tqdm" else RichProgressBar()
    trainer = L.Trainer(max_epochs=5, accelerator="cpu", logger=False, enable_checkpointing=False, callbacks=[Record(), progress], enable_model_summary=False)
    trainer.fit(model, data(128, 1), data(64, 2))
    for results in (trainer.validate(model, data(64, 2)), trainer.test(model, data(64, 3))):
        # The results table prints each value in full (f"{value}").
        for k, v in results[0].items():
            truth.add(k, v)
    truth.save()
