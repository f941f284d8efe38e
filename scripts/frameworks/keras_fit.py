"""Keras 3 (torch backend) fit with validation, then evaluate, on random data (CPU, seconds)."""
import os

os.environ.setdefault("KERAS_BACKEND", "torch")
import keras
import numpy as np

from truth import Truth

keras.utils.set_random_seed(0)
truth = Truth("keras")


def shown(v):
    # keras.utils.Progbar: f"{v:.4f}" above 1e-3, else f"{v:.4e}".
    return f"{v:.4f}" if abs(v) > 1e-3 else f"{v:.4e}"


class Record(keras.callbacks.Callback):
    evaluating = False

    def on_train_batch_end(self, batch, logs=None):
        for k, v in (logs or {}).items():
            truth.add(k, v, shown(v))

    def on_epoch_end(self, epoch, logs=None):
        for k, v in (logs or {}).items():
            truth.add(k, v, shown(v), step=epoch + 1)

    def on_test_batch_end(self, batch, logs=None):
        # model.evaluate prints the training keys again; the parser gives them the test split.
        if self.evaluating:
            for k, v in (logs or {}).items():
                truth.add(f"test_{k}", v, shown(v))


rng = np.random.default_rng(0)
x = rng.normal(size=(512, 16)).astype("float32")
y = (x[:, 0] + 0.3 * rng.normal(size=512) > 0).astype("int32")
model = keras.Sequential([keras.Input((16,)), keras.layers.Dense(32, activation="relu"), keras.layers.Dense(2, activation="softmax")])
model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
record = Record()
model.fit(x[:384], y[:384], validation_data=(x[384:], y[384:]), epochs=4, batch_size=32, callbacks=[record], verbose=1)
record.evaluating = True
model.evaluate(x[384:], y[384:], batch_size=16, callbacks=[record], verbose=1)
truth.save()
