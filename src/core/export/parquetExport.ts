// `exptrack export --format parquet DIR`: `runs.parquet` (the runs table of runsTable.ts: a row per
// run, params, last metric values and tags as columns; times as UTC timestamps) and `points.parquet`
// (every point: run, key, step, value, time in ms; the columns of the store's own points files), both
// through the store's Parquet writer. pyarrow, polars, pandas and DuckDB read them; join on run = id.
import fs from 'node:fs';
import path from 'node:path';
import type { RunDetail } from '../model';
import { ParquetWriter, type ParquetColumn } from '../store/parquetWriter';
import { POINTS_COLUMNS, writePointsGroups } from '../store/pointsFile';
import type { SeriesColumns } from './mlflowFolderWriter';
import { runsTable } from './runsTable';

export function writeParquetExport(dir: string, runs: readonly RunDetail[], points: (runId: string, key: string) => SeriesColumns): { runs: number; points: number } {
  if (fs.existsSync(dir) && fs.readdirSync(dir).length) throw new Error(`${dir} is not empty: export into a new folder`);
  const root = path.resolve(dir);
  fs.mkdirSync(root, { recursive: true });
  const table = runsTable(runs);
  writeFile(path.join(root, 'runs.parquet'), table.map((c): ParquetColumn => ({ name: c.name, type: c.kind === 'text' ? 'string' : c.kind === 'time' ? 'timestampMs' : 'double', optional: true })), (w) => {
    if (runs.length) w.rowGroup(runs.length, table.map((c) => ({ values: c.values })));
  });
  let total = 0;
  writeFile(path.join(root, 'points.parquet'), POINTS_COLUMNS, (w) => {
    // One run's series at a time in memory: the file is written as it goes.
    for (const run of runs) {
      const series = Object.keys(run.metrics).map((key) => ({ key, ...points(run.id, key) }));
      writePointsGroups(w, run.id, series);
      total += series.reduce((n, s) => n + s.steps.length, 0);
    }
  });
  return { runs: runs.length, points: total };
}

/** Writes a Parquet file through a temporary name, so a failed export leaves no half file behind. */
function writeFile(file: string, columns: readonly ParquetColumn[], body: (w: ParquetWriter) => void): void {
  const tmp = `${file}.partial`;
  const fd = fs.openSync(tmp, 'w');
  try {
    const w = new ParquetWriter((b) => { for (let at = 0; at < b.byteLength;) at += fs.writeSync(fd, b, at); }, columns);
    body(w);
    w.finish();
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
}
