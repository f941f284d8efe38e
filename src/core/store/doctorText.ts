import { formatBytes } from '../../protocol/format';
import type { DoctorReport } from './storeDoctor';

/** `exptrack doctor` and the editor's doctor document: the report as readable lines. */
export function doctorLines(d: DoctorReport, healthy: boolean): string[] {
  return [
    `store:       ${d.dir}`,
    `database:    ${d.dbBytes === null ? 'not saved yet' : formatBytes(d.dbBytes)}, schema version ${d.schemaVersion} (this exptrack: ${d.codeSchemaVersion})`,
    `integrity:   ${d.integrity.join('; ')}`,
    `contents:    ${d.experiments} experiment(s), ${d.runs} run(s) (${d.runningRuns} running), ${d.metricPoints} metric point(s)`,
    `points:      ${d.pointFiles.files} file(s), ${formatBytes(d.pointFiles.bytes)} in runs/<id>/${d.pointFiles.unreadable.length ? `, ${d.pointFiles.unreadable.length} unreadable` : ''}`,
    ...(d.migration ? [`migration:   ${d.migration.runsLeft} run(s) (~${d.migration.pointsLeft} points) still in exptrack.db from schema v2${d.migration.runsMoved ? `, ${d.migration.runsMoved} moved by this process` : ''}; a writer (the editor, exptrack run) moves them to points files in the background; meanwhile they read from both places`] : []),
    ...d.backgroundFolds.map((f) => `background:  exptrack _fold${f.pid !== null ? ` (pid ${f.pid})` : ''} folding since ${new Date(f.startedAt).toISOString()}`),
    `journals:    ${d.journals.length === 0 ? 'none' : `${d.journals.length}, ${formatBytes(d.journals.reduce((s, j) => s + j.bytes, 0))}, ${formatBytes(d.journals.reduce((s, j) => s + j.pendingBytes, 0))} not yet in the database`}`,
    ...d.journals.map((j) => `  ${j.writer}: ${formatBytes(j.bytes)}, ${formatBytes(j.pendingBytes)} pending, ${j.closed ? 'closed' : j.alive ? 'writer alive' : 'writer gone'}${j.pid !== null ? ` (pid ${j.pid} on ${j.host})` : ''}`),
    ...(d.skippedLongLines.lines ? [`long lines:  ${d.skippedLongLines.lines} console line(s) in ${d.skippedLongLines.runs} run(s) were too long to read for metrics (output.log keeps them)`] : []),
    `lock:        ${d.lock ? `held by pid ${d.lock.pid ?? '?'} on ${d.lock.host ?? '?'} for ${Math.round(d.lock.ageMs / 1000)} s${d.lock.stale ? ' (stale: the next writer will break it)' : ''}` : 'free'}`,
    ...(d.corruptFiles.length ? [`moved aside: ${d.corruptFiles.join(', ')} (corrupt databases kept for inspection)`] : []),
    ...d.salvageReports.map((r) => `salvaged:    ${r.notRecovered ? `${r.notRecovered} thing(s) could not be recovered` : 'every row was recovered'}, see ${r.file}`),
    ...d.problems.map((p) => `problem:     ${p}`),
    healthy ? 'ok' : 'needs attention',
  ];
}
