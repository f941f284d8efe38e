// Shapes from real logs where a careless reading records a wrong number: cut progress bars, table
// headers, configuration dumps, thousands separators, durations (issue #15).
import * as assert from 'node:assert/strict';
import { MetricParser } from '../../src/core/metrics/metricParser';

function read(text: string, chunk?: number): string[] {
  const p = new MetricParser({ now: () => 0 });
  const out = [];
  if (chunk === undefined) out.push(...p.push(Buffer.from(text)));
  else for (let i = 0; i < text.length; i += chunk) out.push(...p.push(text.slice(i, i + chunk)));
  out.push(...p.end());
  return out.map((m) => `${m.key}=${m.value}@${m.step}`);
}

describe('MetricParser: never a wrong number', () => {
  it('drops the last pair of a tqdm postfix cut at the terminal width (no closing bracket)', () => {
    const cut = 'Epoch 1: 100%|██████████| 32/32 [00:00<00:00, 85.11it/s, v_num=0, val_loss=0.179, val_acc=0.942, train_loss_epoch=0';
    const whole = 'Epoch 2: 100%|██████████| 32/32 [00:00<00:00, 85.11it/s, v_num=0, val_loss=0.170, val_acc=0.951, train_loss_epoch=0.132]';
    // (Steps are the bars' positions: epoch × 32 + count.)
    assert.deepEqual(read(`${cut}\r${whole}\n`), ['val_loss=0.179@64', 'val_acc=0.942@64', 'val_loss=0.17@96', 'val_acc=0.951@96', 'train_loss_epoch=0.132@96']);
    // Cut inside a name: the pairs before it are whole.
    assert.deepEqual(read('Epoch 3: 50%|█████     | 16/32 [00:00<00:00, 85.11it/s, v_num=0, train_loss_step=0.25, val_lo\n'), ['train_loss_step=0.25@112']);
  });

  it('keeps a dict printed after a closed bar on the same line', () => {
    assert.deepEqual(read("100%|██████████| 157/157 [00:05<00:00, 30.1it/s]{'eval_loss': 0.34, 'epoch': 0.86}\n"), ['eval_loss=0.34@0.86']);
  });

  it('invents no metric from the header of a plain-text results table', () => {
    const rule = '─'.repeat(80);
    const text = `${rule}\n     Validate metric           DataLoader 0\n${rule}\n         val_acc            0.9419999718666077\n         val_loss           0.1788092851638794\n${rule}\n`;
    assert.deepEqual(read(text), ['val_acc=0.9419999718666077@0', 'val_loss=0.1788092851638794@0']);
  });

  it('reads a header-row table whose progress rows lost their bar glyphs (tqdm in Colab)', () => {
    const text = [
      '      Epoch    GPU_mem   box_loss   obj_loss   cls_loss  Instances       Size',
      '      0/499      10.2G     0.1095    0.03323     0.0419         26        640: 100% 15/15 [00:12<00:00,  1.22it/s]',
      '                 Class     Images  Instances          P          R      mAP50   mAP50-95: 100% 1/1 [00:02<00:00,  2.45s/it]',
      '                   all         51         87     0.0027      0.469     0.0237    0.00587',
      '',
    ].join('\r\n');
    assert.deepEqual(read(text), [
      'box_loss=0.1095@0', 'obj_loss=0.03323@0', 'cls_loss=0.0419@0',
      'P=0.0027@0', 'R=0.469@0', 'mAP50=0.0237@0', 'mAP50-95=0.00587@0',
    ]);
  });

  it('keeps two measured names that share a word apart, and names the train split when the line does', () => {
    const text = 'Epoch 1/100\ntrain Loss: 2.4752 Top-1 Acc: 4.8644 Top-5 Acc: 29.1611\ntest Loss: 2.4580 Top-1 Acc: 4.1501 Top-5 Acc: 35.7653\n';
    assert.deepEqual(read(text), [
      'train_Loss=2.4752@1', 'train_Top-1_Acc=4.8644@1', 'train_Top-5_Acc=29.1611@1',
      'test_Loss=2.458@1', 'test_Top-1_Acc=4.1501@1', 'test_Top-5_Acc=35.7653@1',
    ]);
  });

  it('reads no series from a name printed twice in one line', () => {
    const text = 'step 3 loss: 0.5\nalbumentations: Blur(p=0.01, blur_limit=(3, 7)), MedianBlur(p=0.01, blur_limit=(3, 7)), ToGray(p=0.01)\n';
    assert.deepEqual(read(text), ['loss=0.5@3']);
  });

  it('reads a thousands separator as part of its number, and a count per iteration as no step', () => {
    const text = 'Tokens per iteration: 131,072\niter 5: loss 4.2\nstep 10 loss=4.1 tokens_seen: 1,310,720\n';
    assert.deepEqual(read(text), ['loss=4.2@5', 'loss=4.1@10']);
  });

  it('records no duration or timer as a metric', () => {
    const text = [
      'Epoch(train) [1][10/1563]  lr: 1.0000e-03  eta: 0:04:12  time: 0.0316  data_time: 0.0049  memory: 392  loss: 5.3465',
      'Test: [100/196] eta: 0:00:05 loss: 3.3925 (2.8562) acc1: 38.2812 (47.1) time: 0.1044 data: 0.0012 max mem: 12905',
      "{'train_runtime': 12.3, 'train_samples_per_second': 80.1, 'train_loss': 0.51, 'epoch': 3.0}",
      '| time/              |          |',
      '|    fps            | 1200     |',
      '|    time_elapsed   | 4        |',
      '|    total_timesteps| 4096     |',
      '| train/             |          |',
      '|    loss           | 0.25     |',
      '-----------------------------------',
      '',
    ].join('\n');
    assert.deepEqual(read(text), [
      'lr=0.001@1', 'loss=5.3465@1', 'test_loss=3.3925@1', 'test_acc1=38.2812@1',
      'train_samples_per_second=80.1@3', 'train_loss=0.51@3',
      'time/fps=1200@4096', 'train/loss=0.25@4096',
    ]);
  });
});

describe('MetricParser: more shapes of real training logs', () => {
  it('records no wall-clock duration, batch size or time per iteration', () => {
    const fairseq = '2024-01-01 10:00:00 | INFO | train_inner | epoch 002:    300 / 900 loss=6.5, nll_loss=6.2, ppl=73.5, wps=18000.2, ups=4.4, bsz=96.5, num_updates=1200, lr=0.0003, gnorm=0.9, train_wall=22, wall=310\n';
    assert.deepEqual(read(fairseq), ['loss=6.5@1200', 'nll_loss=6.2@1200', 'ppl=73.5@1200', 'wps=18000.2@1200', 'ups=4.4@1200', 'lr=0.0003@1200', 'gnorm=0.9@1200']);
    const megatron = ' iteration      300/  100000 | consumed samples:        38400 | elapsed time per iteration (ms): 950.2 | learning rate: 2.000E-05 | global batch size:   128 | lm loss: 6.200E+00 | grad norm: 1.500 | number of skipped iterations:   0 |\n';
    assert.deepEqual(read(megatron), ['learning_rate=0.00002@300', 'lm_loss=6.2@300', 'grad_norm=1.5@300']);
  });

  it('reads no setting from a dict of a trial\'s parameters in a sentence', () => {
    const text = 'step 10: loss 0.5\n[I 2024-02-02 10:00:00,000] Trial 4 finished with value: 0.2 and parameters: {\'lr\': 0.002, \'n_units\': 64, \'dropout\': 0.2}. Best is trial 2 with value: 0.1.\n';
    assert.deepEqual(read(text), ['loss=0.5@10']);
  });

  it('reads nothing from the W&B client\'s run summary (the last values again, at no step of theirs)', () => {
    const text = 'step 90: loss 0.21\nwandb: Run summary:\nwandb:   epoch 3\nwandb:    loss 0.21\nwandb:     acc 0.93\nwandb: Run history:\nwandb:    loss █▅▃▁\n';
    assert.deepEqual(read(text), ['loss=0.21@90']);
  });
});

describe('MetricParser: a bar that names its epoch and count moves the step within the epoch', () => {
  const bar = (epoch: number, n: number, total: number | '?', post: string): string =>
    `Epoch ${epoch}: ${String(Math.floor(total === '?' ? 0 : (100 * n) / total)).padStart(3)}%|██▌       | ${n}/${total} [00:10<00:12, 45.2it/s, ${post}]`;

  it('places tqdm and Rich readings at epoch × total + count', () => {
    assert.deepEqual(read(`${bar(3, 450, 1000, 'loss=0.43, v_num=0')}\r${bar(3, 451, 1000, 'loss=0.41, v_num=0')}\n`), ['loss=0.43@3450', 'loss=0.41@3451']);
    const rich = (n: number, loss: string): string => `Epoch 3/9 ━━━━━━━━━━╸━━━━━━━━━ ${n}/1000 0:00:10 • 0:00:12 45.2it/s v_num: 0 train_loss_step: ${loss}`;
    assert.deepEqual(read(`${rich(450, '0.43')}\r${rich(451, '0.42')}\n`), ['train_loss_step=0.43@3450', 'train_loss_step=0.42@3451']);
  });

  it('reads one point per bar position: the last redraw there, and only a changed value', () => {
    // Lightning redraws a new count first with the values of the one before, then with its own.
    const text = [bar(0, 1, 8, 'loss=0.7, lr=0.1'), bar(0, 2, 8, 'loss=0.7, lr=0.1'), bar(0, 2, 8, 'loss=0.6, lr=0.1'), bar(0, 3, 8, 'loss=0.6, lr=0.1'), bar(0, 3, 8, 'loss=0.5, lr=0.1')].join('\r');
    assert.deepEqual(read(`${text}\n`), ['loss=0.7@1', 'lr=0.1@1', 'loss=0.6@2', 'loss=0.5@3']);
  });

  it('places what a bar reset for the next epoch still shows at the step reached, never earlier', () => {
    const text = [bar(0, 8, 8, 'loss=0.5'), bar(0, 0, 8, 'loss=0.5, val_loss=0.62'), bar(1, 0, 8, 'loss=0.5, val_loss=0.62'), bar(1, 1, 8, 'loss=0.45, val_loss=0.62')].join('\r');
    assert.deepEqual(read(`${text}\n`), ['loss=0.5@8', 'val_loss=0.62@8', 'loss=0.45@9']);
  });

  it('keeps the epoch as the step when the bar has no total, and places other lines of an epoch on the bars\' axis', () => {
    assert.deepEqual(read(`${bar(3, 450, '?', 'loss=0.43')}\n`), ['loss=0.43@3']);
    // A validation bar (another total) and an epoch summary line go to the step the epoch's bar reached.
    const text = [`${bar(2, 10, 10, 'loss=0.4')}`, 'Epoch 2:  50%|█████     | 2/4 [00:01<00:01, 2.0it/s, val_loss=0.5]', 'Epoch 2: val_acc=0.81', 'Epoch 3/5'].join('\n');
    assert.deepEqual(read(`${text}\n${bar(3, 1, 10, 'loss=0.39')}\n`), ['loss=0.4@30', 'val_loss=0.5@30', 'val_acc=0.81@30', 'loss=0.39@31']);
  });
});

describe('MetricParser: settings are params, not metrics', () => {
  it('reads nothing from a YAML-like configuration dump, even under measured-sounding names', () => {
    const text = 'system:\n    seed: 3407\n    work_dir: ./out\ntrainer:\n    device: auto\n    learning_rate: 0.0005\n    betas: (0.9, 0.95)\n    grad_norm_clip: 1.0\n\niter 0: train loss 2.84515\n';
    assert.deepEqual(read(text), ['train_loss=2.84515@0']);
  });

  it('reads nothing from a `name :value` argument table behind a logger prefix', () => {
    const lines = ['paddle commit id              :65f388690048d0965ec7d3b43fb6ee9d8c6dee7c', 'adam_beta1                    :0.9',
      'do_eval                       :True', 'eval_steps                    :100', 'learning_rate                 :3e-05', 'max_grad_norm                 :1.0',
      'scale_loss                    :32768', 'warmup_ratio                  :0.0', '',
      'loss: 1.21554871, learning_rate: 2.9999019928128062e-05, global_step: 10, interval_runtime: 6.8718, epoch: 0.0016'];
    const text = lines.map((l, i) => `[2022-08-31 14:25:${String(10 + i).padStart(2, '0')},858] [    INFO] - ${l}\n`).join('');
    assert.deepEqual(read(text), ['loss=1.21554871@10', 'learning_rate=0.000029999019928128062@10']);
  });

  it('reads nothing from multi-line JSON and repr dumps of settings', () => {
    const text = [
      '{', '  "boosting_type": "gbdt",', '  "bagging_fraction": 0.8,', '  "feature_fraction": 0.9,', '  "min_gain_to_split": 0.0', '}',
      'TrainingArguments(', '_n_gpu=1,', 'adafactor=False,', 'adam_beta1=0.9,', 'max_grad_norm=1.0,', 'label_smoothing_factor=0.0,', ')',
      '[10]\tvalid_0\'s auc: 0.91',
      '',
    ].join('\n');
    assert.deepEqual(read(text), ["valid_0's_auc=0.91@10"]);
  });

  it('reads nothing from a dict of a trial\'s settings printed between trainings', () => {
    const text = [
      "{'learning_rate': 0.0001167, 'reg': 1.06e-05, 'activation': <class 'x.LeakyRelu'>, 'num_layer': 3, 'hidden_size': 214}",
      '(Epoch 1 / 10) train loss: 2.300567; val loss: 2.278576',
      "{'learning_rate': 9.3e-05, 'reg': 8.6e-06, 'activation': <class 'x.LeakyRelu'>, 'num_layer': 3, 'hidden_size': 187}",
      '(Epoch 1 / 10) train loss: 2.302503; val loss: 2.301548',
      '',
    ].join('\n');
    assert.deepEqual(read(text), ['train_loss=2.300567@1', 'val_loss=2.278576@1', 'train_loss=2.302503@1', 'val_loss=2.301548@1']);
  });

  it('still reads a block of one metric per line: a summary with a step, or measured names only', () => {
    const text = [
      '***** eval metrics *****', '  epoch                   =        3.0', '  eval_accuracy           =     0.8456',
      '  eval_loss               =     0.3842', '  eval_runtime            = 0:00:01.23', '  eval_samples            =        408',
      'Test results:', 'MSE: 0.0123', 'MAE: 0.0812', 'RMSE: 0.1109', '',
    ].join('\n');
    assert.deepEqual(read(text), ['eval_accuracy=0.8456@3', 'eval_loss=0.3842@3', 'MSE=0.0123@3', 'MAE=0.0812@3', 'RMSE=0.1109@3']);
  });

  it('gives the same points whatever the chunking', () => {
    const text = 'trainer:\n    device: auto\n    grad_norm_clip: 1.0\nEpoch 1: 100%|█| 3/3 [00:00<00:00, v_num=0, loss=0.5, acc=0.\rEpoch 1: 100%|█| 3/3 [00:00<00:00, v_num=0, loss=0.4, acc=0.9]\n';
    const whole = read(text);
    // Two redraws of one bar position (3 of 3 in epoch 1, step 6): the last one is its reading.
    assert.deepEqual(whole, ['loss=0.4@6', 'acc=0.9@6']);
    for (const size of [1, 2, 3, 7, 64]) assert.deepEqual(read(text, size), whole, `chunk size ${size}`);
  });
});
