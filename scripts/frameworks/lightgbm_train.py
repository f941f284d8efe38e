"""LightGBM lgb.train with two validation sets and log_evaluation, on random data (CPU, seconds)."""
import lightgbm as lgb
import numpy as np

from truth import Truth

truth = Truth("lightgbm")
rng = np.random.default_rng(0)
x = rng.normal(size=(600, 10))
y = (x[:, 0] + 0.5 * x[:, 1] + 0.3 * rng.normal(size=600) > 0).astype(int)
train = lgb.Dataset(x[:400], y[:400])
valid = lgb.Dataset(x[400:500], y[400:500], reference=train)
test = lgb.Dataset(x[500:], y[500:], reference=train)
params = {"objective": "binary", "metric": ["binary_logloss", "auc"], "learning_rate": 0.1, "num_leaves": 7, "verbose": -1, "seed": 0}
# The parameters, printed the way people print them before training: settings, not metrics.
print("params:", params)


def record(env):
    # log_evaluation prints `[i]\tname's metric: %g` for each (dataset, metric) pair.
    for name, metric, value, _ in env.evaluation_result_list:
        truth.add(f"{name}'s {metric}", value, f"{value:g}", step=env.iteration + 1)


booster = lgb.train(params, train, num_boost_round=20, valid_sets=[train, valid, test], valid_names=["training", "valid_1", "valid_2"],
                    callbacks=[lgb.log_evaluation(period=1), record])
truth.save()
