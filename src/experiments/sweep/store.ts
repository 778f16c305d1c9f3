import { closeSync, existsSync, fstatSync, fsyncSync, openSync, readFileSync, readdirSync, statSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../errors.js';
import { writeFileAtomic } from '../../report/files.js';
import { toCsv } from '../../report/results.js';
import { csvColumnName } from './rows.js';
import type { RowBound, Scalar } from './rows.js';

/**
 * A sweep's output folder:
 *   sweep.json     the manifest (sweep id, base config, grid, shard, columns);
 *   results.jsonl  one JSON row per finished point, the source of truth;
 *   results.csv    the same rows flattened to the manifest's columns.
 * Rows are appended as points finish, each as one write followed by fsync, so
 * a killed sweep keeps every finished row; a trailing partial line (a write
 * cut short) is dropped on resume. When a sweep (or merge) finishes, both
 * files are rewritten sorted by point index.
 */
export const MANIFEST = 'sweep.json';
export const ROWS_JSONL = 'results.jsonl';
export const ROWS_CSV = 'results.csv';

export interface SweepRow {
  sweep: string;
  index: number;
  key: string;
  params: Record<string, unknown>;
  seed: number;
  kind: string;
  metrics: Record<string, Scalar>;
  bounds: RowBound[];
}

export interface SweepManifest {
  tool: 'limsim';
  version: string;
  sweepId: string;
  name: string;
  description?: string;
  createdAt: string;
  base: { path: string; sha256: string; config: Record<string, unknown> };
  set: [string, unknown][];
  grid: { key: string; values: unknown[] }[];
  links?: [string, string[]][];
  timeScaling: unknown;
  seeds: string;
  pointCount: number;
  /** 1-based shard i of n, or null for the whole sweep. */
  shard: { index: number; count: number } | null;
  /** Points this folder is responsible for. */
  selectedPoints: number;
  columns: string[];
  points: { index: number; key: string; params: Record<string, unknown> }[];
  /** 'running' until every selected point has a row. */
  status: 'running' | 'complete' | 'incomplete';
  finishedPoints: number;
  /** For a merged folder: the folders it was merged from. */
  mergedFrom?: string[];
}

export function readManifest(dir: string, what = 'sweep folder'): SweepManifest {
  const path = join(dir, MANIFEST);
  if (!existsSync(path)) throw new ConfigError(dir, `is not a ${what}: it has no ${MANIFEST}`);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as SweepManifest;
  } catch (err) {
    throw new ConfigError(path, `is not valid JSON: ${(err as Error).message}`);
  }
}

export function writeManifest(dir: string, manifest: SweepManifest): void {
  writeFileAtomic(join(dir, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
}

/** A row as its single JSONL line (key order fixed by construction, so equal rows give equal text). */
export function rowLine(row: SweepRow): string {
  return JSON.stringify(row) + '\n';
}

function csvCell(value: unknown): number | string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return JSON.stringify(value);
}

/** A row's CSV cells in the manifest's column order (grid values by key, then seed, then metrics). */
export function csvCells(row: SweepRow, columns: string[]): (number | string)[] {
  return columns.map((c) => {
    if (c === 'index') return row.index;
    if (c === 'key') return row.key;
    if (c in row.params) return csvCell(row.params[c]);
    if (c === 'seed') return row.seed;
    return csvCell(row.metrics[c]);
  });
}

/** Leaf paths of a nested value: {kind, points: [[0, 1]]} -> kind, points[0][0], points[0][1]. */
function leaves(value: unknown, path = ''): [string, unknown][] {
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => leaves(v, path ? `${path}.${k}` : k));
  return [[path, value]];
}

/**
 * The finished CSV: object-valued grid columns (schedules, stores) flattened
 * to one column per leaf (`potential.barrierHeight.kind`, `...points[0][1]`),
 * so no cell holds JSON; headers in the CSV naming (csvColumnName).
 */
export function csvText(rows: SweepRow[], columns: string[]): string {
  const expanded: { name: string; cell: (r: SweepRow) => number | string }[] = [];
  for (const c of columns) {
    const objectValued = c !== 'index' && c !== 'key' && rows.some((r) => c in r.params && r.params[c] !== null && typeof r.params[c] === 'object');
    if (!objectValued) {
      expanded.push({ name: csvColumnName(c), cell: (r) => csvCells(r, [c])[0] });
      continue;
    }
    const paths = [...new Set(rows.flatMap((r) => leaves(r.params[c]).map(([p]) => p)))];
    for (const p of paths) {
      expanded.push({ name: csvColumnName(`${c}.${p}`), cell: (r) => csvCell(new Map(leaves(r.params[c])).get(p)) });
    }
  }
  return toCsv(expanded.map((e) => e.name), rows.map((r) => expanded.map((e) => e.cell(r))));
}

/** The CSV line of one row (no header). */
export function csvLine(row: SweepRow, columns: string[]): string {
  const text = toCsv(['_'], [csvCells(row, columns)]);
  return text.slice(text.indexOf('\n') + 1);
}

export interface ReadRows {
  rows: SweepRow[];
  /** Bytes of a trailing partial line (0 when the file ends with a newline). */
  partialBytes: number;
}

/** Parse results.jsonl; a complete line that is not a row is an error naming the line. */
export function readRows(path: string): ReadRows {
  if (!existsSync(path)) return { rows: [], partialBytes: 0 };
  const text = readFileSync(path, 'utf8');
  const end = text.lastIndexOf('\n') + 1;
  const rows: SweepRow[] = [];
  const lines = text.slice(0, end).split('\n');
  lines.pop();
  lines.forEach((line, k) => {
    if (line.trim() === '') return;
    let row: SweepRow;
    try {
      row = JSON.parse(line) as SweepRow;
    } catch (err) {
      throw new ConfigError(`${path}:${k + 1}`, `is not a JSON row (${(err as Error).message}); the file is damaged`);
    }
    if (typeof row?.key !== 'string' || typeof row.index !== 'number' || typeof row.sweep !== 'string') {
      throw new ConfigError(`${path}:${k + 1}`, 'is not a sweep row (expected sweep, index and key fields)');
    }
    rows.push(row);
  });
  return { rows, partialBytes: Buffer.byteLength(text.slice(end)) };
}

/** Drop a trailing partial line left by a write that a kill cut short. */
export function dropPartialLine(path: string): number {
  if (!existsSync(path)) return 0;
  const text = readFileSync(path);
  const end = text.lastIndexOf(0x0a) + 1;
  const partial = text.length - end;
  if (partial > 0) truncateSync(path, end);
  return partial;
}

/** Whether a folder holds anything that a new sweep would overwrite. */
export function holdsResults(dir: string): boolean {
  if (!existsSync(dir)) return false;
  if (!statSync(dir).isDirectory()) throw new ConfigError('--out', `"${dir}" exists and is not a folder`);
  return readdirSync(dir).some((f) => f === MANIFEST || f === ROWS_JSONL || f === ROWS_CSV);
}

/** Appends rows, each as one write + fsync, to results.jsonl then results.csv. */
export class RowAppender {
  private readonly jsonl: number;
  private readonly csv: number;

  constructor(
    dir: string,
    private readonly columns: string[],
  ) {
    this.jsonl = openSync(join(dir, ROWS_JSONL), 'a');
    this.csv = openSync(join(dir, ROWS_CSV), 'a');
    if (fstatSync(this.csv).size === 0) this.write(this.csv, toCsv(columns.map(csvColumnName), []));
  }

  private write(fd: number, text: string): void {
    // One write call per row; the loop only matters if the OS returns a short write.
    const bytes = Buffer.from(text);
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset);
    fsyncSync(fd);
  }

  append(row: SweepRow): void {
    this.write(this.jsonl, rowLine(row));
    this.write(this.csv, csvLine(row, this.columns));
  }

  close(): void {
    closeSync(this.jsonl);
    closeSync(this.csv);
  }
}

/**
 * CSV columns: the planned ones (manifest), then any metric the rows (in
 * index order) carry that was not planned, so equal rows give equal files.
 */
export function finalColumns(planned: string[], rows: SweepRow[]): string[] {
  const out = [...planned];
  const seen = new Set(out);
  for (const r of [...rows].sort((a, b) => a.index - b.index)) {
    for (const k of Object.keys(r.metrics)) {
      if (!seen.has(k)) {
        seen.add(k);
        out.push(k);
      }
    }
  }
  return out;
}

/** Rewrite both row files sorted by point index (atomically, temp file then rename); returns the CSV columns. */
export function writeSortedRows(dir: string, rows: SweepRow[], planned: string[]): string[] {
  const sorted = [...rows].sort((a, b) => a.index - b.index);
  const columns = finalColumns(planned, sorted);
  writeFileAtomic(join(dir, ROWS_JSONL), sorted.map(rowLine).join(''));
  writeFileAtomic(join(dir, ROWS_CSV), csvText(sorted, columns));
  return columns;
}
