"""Writes the TensorBoard import fixtures in test/fixtures/import/ with the real writers.

Run by hand (not by the tests) with the ML venv:  /work/venv-ml/bin/python scripts/generateImportFixtures.py
Writers: torch.utils.tensorboard.SummaryWriter (TensorBoard's own TF-free writer) and tensorboardX;
polars' write_csv for the CSV/TSV files (test/fixtures/import/csv/).
Keras's TensorBoard callback needs TensorFlow, which the venv does not have. The edge cases are what
an importer gets wrong: NaN and +/-Inf values, steps past 2^31 and 2^32, unicode tags, tensor-style
scalars whose plugin metadata comes only with a tag's first value (new_style), doubles, non-scalar
plugins next to scalars, add_scalars' sub-folders, 100k points. Expected values are written next to
the files (expected.json) by this script, from what it handed the writers.
"""
import gzip
import json
import math
import os
import shutil
import sys

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'import', 'tensorboard')
WALL = 1_700_000_000.0  # fixed wall times so the files are reproducible but for their names

EDGE_VALUES = [0.5, float('nan'), float('inf'), float('-inf'), -0.0, 1e-30, 3.4e38]
BIG_STEPS = [0, 1, 2**31 - 1, 2**31, 2**31 + 5, 2**32 + 7, 2**40 + 3]
UNICODE_TAGS = ['loss/验证', 'точность', 'métrique ✓']


def edge_cases(writer, expected, double=False, new_style=False, clean=lambda tag: tag):
    kw = {}
    if new_style:
        kw['new_style'] = True
    if double:
        kw['double_precision'] = True
    for i, v in enumerate(EDGE_VALUES):
        writer.add_scalar('edge/values', v, global_step=i, walltime=WALL + i, **kw)
    for i, s in enumerate(BIG_STEPS):
        writer.add_scalar('edge/big_steps', float(i), global_step=s, walltime=WALL + i, **kw)
    for j, tag in enumerate(UNICODE_TAGS):
        for i in range(3):
            writer.add_scalar(tag, j + i / 10, global_step=i, walltime=WALL + i, **kw)
    # Not scalars: must be skipped and reported, not imported.
    writer.add_histogram('weights', np.arange(100, dtype=np.float64), global_step=0, walltime=WALL)
    writer.add_text('notes', 'a text summary', global_step=0, walltime=WALL)
    f32 = (lambda x: x) if double else (lambda x: float(np.float32(x)))
    expected['edge/values'] = {'steps': list(range(len(EDGE_VALUES))), 'values': [json_number(f32(v)) for v in EDGE_VALUES]}
    expected['edge/big_steps'] = {'steps': BIG_STEPS, 'values': [float(i) for i in range(len(BIG_STEPS))]}
    for j, tag in enumerate(UNICODE_TAGS):
        expected[clean(tag)] = {'steps': [0, 1, 2], 'values': [f32(j + i / 10) for i in range(3)]}


def json_number(v):
    if math.isnan(v):
        return 'NaN'
    if math.isinf(v):
        return 'Infinity' if v > 0 else '-Infinity'
    return v


def fresh(name):
    d = os.path.join(ROOT, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


def write_csv_fixtures():
    import polars as pl
    d = os.path.join(ROOT, '..', 'csv')
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    # Wide: a step column and a column per metric; NaN, inf, an empty cell (a metric not logged at a step), a text column.
    wide = pl.DataFrame({
        'epoch': [0, 1, 2, 3],
        'train_loss': [1.5, 0.75, float('nan'), 0.25],
        'val_acc': [0.5, None, 0.875, float('inf')],
        'phase': ['warmup', 'train', 'train', 'train'],
    })
    wide.write_csv(os.path.join(d, 'wide.csv'))
    # Long: run, key, step, value; two runs, one unicode key.
    long = pl.DataFrame({
        'run': ['a', 'a', 'a', 'b', 'b'],
        'key': ['loss', 'loss', 'точность', 'loss', 'loss'],
        'step': [0, 1, 0, 0, 2**31 + 1],
        'value': [2.0, 1.0, 0.5, 3.0, float('-inf')],
    })
    long.write_csv(os.path.join(d, 'long.tsv'), separator='\t')
    return {
        'wide.csv': {'train_loss': {'steps': [0, 1, 2, 3], 'values': [1.5, 0.75, 'NaN', 0.25]}, 'val_acc': {'steps': [0, 2, 3], 'values': [0.5, 0.875, 'Infinity']}},
        'long.tsv#a': {'loss': {'steps': [0, 1], 'values': [2.0, 1.0]}, 'точность': {'steps': [0], 'values': [0.5]}},
        'long.tsv#b': {'loss': {'steps': [0, 2**31 + 1], 'values': [3.0, '-Infinity']}},
    }


def main():
    from torch.utils.tensorboard import SummaryWriter as TorchWriter
    import tensorboardX

    runs = {}

    # 1. torch SummaryWriter, simple_value scalars.
    d = fresh('torch-edge')
    w = TorchWriter(log_dir=d)
    exp = {}
    edge_cases(w, exp)
    w.close()
    runs['torch-edge'] = exp

    # 2. torch SummaryWriter, tensor scalars of the scalars plugin (metadata only on a tag's first value), doubles.
    d = fresh('torch-new-style')
    w = TorchWriter(log_dir=d)
    exp = {}
    edge_cases(w, exp, double=True, new_style=True)
    w.close()
    runs['torch-new-style'] = exp

    # 3. tensorboardX; add_scalars writes one sub-folder per series (each a run of its own).
    d = fresh('tensorboardx')
    w = tensorboardX.SummaryWriter(logdir=d)
    exp = {}
    # tensorboardX replaces characters outside [\w./-] in tags with '_': the expected names are its own.
    from tensorboardX.summary import _clean_tag
    edge_cases(w, exp, clean=_clean_tag)
    for i in range(5):
        w.add_scalars('pair', {'train': 1.0 / (i + 1), 'val': 2.0 / (i + 1)}, global_step=i, walltime=WALL + i)
    w.close()
    runs['tensorboardx'] = exp
    for sub in ('train', 'val'):
        k = 1.0 if sub == 'train' else 2.0
        runs[f'tensorboardx/pair/{sub}'] = {'pair': {'steps': list(range(5)), 'values': [float(np.float32(k / (i + 1))) for i in range(5)]}}

    # 4. 100k points of one tag (torch), committed gzipped: the test unpacks it to a temp folder.
    d = fresh('torch-100k')
    w = TorchWriter(log_dir=d)
    n = 100_000
    for i in range(n):
        # Values and times that repeat, so the gzipped file stays small.
        w.add_scalar('train/loss', (i % 1000) / 1000, global_step=i, walltime=WALL + i // 1000)
    w.close()
    for f in os.listdir(d):
        p = os.path.join(d, f)
        with open(p, 'rb') as src, gzip.open(p + '.gz', 'wb', compresslevel=9) as dst:
            shutil.copyfileobj(src, dst)
        os.remove(p)
    runs['torch-100k'] = {'train/loss': {'count': n, 'first': 0.0, 'last': float(np.float32(((n - 1) % 1000) / 1000)), 'lastStep': n - 1}}

    csv_runs = write_csv_fixtures()
    with open(os.path.join(ROOT, '..', 'csv', 'expected.json'), 'w', encoding='utf-8') as f:
        json.dump({'writers': {'polars': __import__('polars').__version__}, 'runs': csv_runs}, f, ensure_ascii=False, indent=1)
    with open(os.path.join(ROOT, 'expected.json'), 'w', encoding='utf-8') as f:
        json.dump({'writers': {'torch': __import__('torch').__version__, 'tensorboardX': tensorboardX.__version__}, 'runs': runs}, f, ensure_ascii=False, indent=1)
    print('wrote', ROOT, file=sys.stderr)


if __name__ == '__main__':
    main()
