"""scikit-learn estimators with verbose output: GradientBoostingClassifier and MLPClassifier (CPU, seconds)."""
import io
import re
import sys
import contextlib

import numpy as np
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.neural_network import MLPClassifier

from truth import Truth

truth = Truth("scikit-learn")
rng = np.random.default_rng(0)
x = rng.normal(size=(400, 8))
y = (x[:, 0] - x[:, 2] + 0.3 * rng.normal(size=400) > 0).astype(int)

# GradientBoosting prints a header-row table: `Iter  Train Loss  OOB Improve  Remaining Time`.
gb = GradientBoostingClassifier(n_estimators=12, subsample=0.8, random_state=0, verbose=1)
gb.fit(x, y)
for i, (loss, oob) in enumerate(zip(gb.train_score_, gb.oob_improvement_)):
    # The table prints rows 1-10, then every 10th; values as "%.4f".
    it = i + 1
    if it <= 10 or it % 10 == 0:
        truth.add("Train Loss", loss, f"{loss:.4f}", step=it)
        truth.add("OOB Improve", oob, f"{oob:.4f}", step=it)

# MLPClassifier prints `Iteration N, loss = 0.69314718`.
mlp = MLPClassifier(hidden_layer_sizes=(16,), max_iter=15, random_state=0, verbose=True)
with contextlib.redirect_stdout(io.StringIO()) as buf:
    mlp.fit(x, y)
printed = buf.getvalue()
sys.stdout.write(printed)
for i, loss in enumerate(mlp.loss_curve_):
    truth.add("loss", loss, f"{loss:.8f}", step=i + 1)
truth.save()
