"""Hugging Face Trainer on a tiny BERT built from a config (no download), random tokens, CPU, seconds."""
import math
import tempfile

import numpy as np
import torch
from transformers import BertConfig, BertForSequenceClassification, Trainer, TrainerCallback, TrainingArguments, set_seed

from truth import Truth

set_seed(0)
truth = Truth("transformers")
# Logged, but no measure of the model: durations, throughput, counts. The parser need not read them.
NOT_METRICS = ("runtime", "per_second", "total_flos", "epoch", "step")


class Tokens(torch.utils.data.Dataset):
    def __init__(self, n, seed):
        g = torch.Generator().manual_seed(seed)
        self.ids = torch.randint(5, 100, (n, 12), generator=g)
        self.labels = (self.ids[:, 0] > 50).long()

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, i):
        return {"input_ids": self.ids[i], "attention_mask": torch.ones(12, dtype=torch.long), "labels": self.labels[i]}


class Record(TrainerCallback):
    def on_log(self, args, state, control, logs=None, **kwargs):
        for k, v in (logs or {}).items():
            # ProgressCallback prints floats as f"{v:.4g}" strings; the line carries the epoch, not the step.
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                truth.add(k, v, f"{v:.4g}" if isinstance(v, float) else None, metric=not any(w in k for w in NOT_METRICS))


def accuracy(pred):
    return {"accuracy": float((np.argmax(pred.predictions, axis=1) == pred.label_ids).mean())}


config = BertConfig(vocab_size=100, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32, num_labels=2)
model = BertForSequenceClassification(config)
args = TrainingArguments(output_dir=tempfile.mkdtemp(), num_train_epochs=3, per_device_train_batch_size=8, per_device_eval_batch_size=16,
                         learning_rate=5e-4, logging_steps=4, eval_strategy="epoch", save_strategy="no", report_to=[], use_cpu=True, seed=0)
trainer = Trainer(model=model, args=args, train_dataset=Tokens(96, 1), eval_dataset=Tokens(32, 2), compute_metrics=accuracy, callbacks=[Record()])
trainer.train()
metrics = trainer.evaluate()
truth.save()
