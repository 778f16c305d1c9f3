import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { ConfigError } from '../errors.js';
import type { Dataset, LabelledDataset, Task } from './dataset-types.js';

/**
 * Labelled tables from CSV files, and the Iris data shipped in data/iris.csv
 * (Fisher 1936; see data/README.md for source and licence).
 *
 * The format read is plain CSV: a header line of column names, then one sample
 * per line, fields separated by commas. A field may be wrapped in double quotes
 * ("" inside quotes is a literal quote); quoted fields cannot span lines. Blank
 * lines are skipped. Every error names the file and, for a bad row, its line.
 */

/** data/iris.csv at the package root (the same from src/ under tsx and from dist/). */
export const IRIS_CSV_PATH = fileURLToPath(new URL('../../data/iris.csv', import.meta.url));

/** data/digits.csv.gz at the package root (data/README.md). */
export const DIGITS_CSV_PATH = fileURLToPath(new URL('../../data/digits.csv.gz', import.meta.url));

/**
 * The 8x8 handwritten digits (UCI "Optical Recognition of Handwritten Digits", CC BY 4.0;
 * data/README.md): 1797 rows of 64 pixel counts 0..16 and the digit 0..9 as the last column,
 * no header, gzip (read with node:zlib). Task multiclass, 10 classes.
 */
export function loadDigits(path = DIGITS_CSV_PATH): Dataset {
  let text: string;
  try {
    const raw = readFileSync(path);
    text = (path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
  } catch (err) {
    throw new ConfigError('dataset.path', `cannot read the digits file ${path}: ${(err as Error).message}`);
  }
  const rows = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  const d = 64;
  const features = new Float64Array(rows.length * d);
  const targets = new Float64Array(rows.length);
  rows.forEach((line, i) => {
    const cells = line.split(',');
    if (cells.length !== d + 1) throw new ConfigError('dataset.path', `${path} line ${i + 1}: ${cells.length} columns, expected ${d + 1} (64 pixels and the digit)`);
    for (let j = 0; j <= d; j++) {
      const v = Number(cells[j]);
      if (!Number.isInteger(v) || v < 0 || v > (j < d ? 16 : 9)) {
        throw new ConfigError('dataset.path', `${path} line ${i + 1} column ${j + 1}: '${cells[j]}', expected an integer in 0..${j < d ? 16 : 9}`);
      }
      if (j < d) features[i * d + j] = v;
      else targets[i] = v;
    }
  });
  return {
    name: 'digits',
    features,
    targets,
    sampleCount: rows.length,
    featureCount: d,
    task: 'multiclass',
    classCount: 10,
    featureNames: Array.from({ length: d }, (_, j) => `pixel_${Math.floor(j / 8)}_${j % 8}`),
  };
}

/** The three species of Fisher's Iris data, as spelled in data/iris.csv. */
export const IRIS_SPECIES = ['setosa', 'versicolor', 'virginica'] as const;

export interface CsvTable {
  path: string;
  header: string[];
  /** Data rows, each with header.length fields (checked). */
  rows: string[][];
  /** 1-based line of the file each row came from, for error messages. */
  lineNumbers: number[];
  /** 1-based line of the header. */
  headerLine: number;
}

/** Splits one CSV line into fields; returns null for an unterminated quote. */
function splitCsvLine(line: string): string[] | null {
  const fields: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < line.length) {
    const c = line[i];
    if (quoted) {
      if (c === '"') {
        if (line[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        field += c;
      }
    } else if (c === '"' && field.trim() === '') {
      quoted = true;
      field = '';
    } else if (c === ',') {
      fields.push(field.trim());
      field = '';
    } else {
      field += c;
    }
    i++;
  }
  if (quoted) return null;
  fields.push(field.trim());
  return fields;
}

/**
 * A value from the file as it may appear in an error: short printable text in
 * quotes, anything else by its length only, so an error never echoes the
 * contents of a file that is not the expected CSV (a binary file, a key file).
 */
function shown(text: string): string {
  return /^[\x20-\x7e]{0,40}$/.test(text) ? `'${text}'` : `(a field of ${text.length} characters, not shown)`;
}

function listText(items: string[]): string {
  const head = items.slice(0, 10).map(shown).join(', ');
  return items.length > 10 ? `${head}, ... (${items.length} in all)` : head;
}

/** The header in an error: its column names when they look like names, else only their count. */
function columnsText(header: string[]): string {
  const looksLikeNames = header.length <= 100 && header.every((h) => /^[\w .()/-]{1,40}$/.test(h));
  return looksLikeNames
    ? `its columns are ${header.join(', ')}`
    : `its first line has ${header.length} field(s) that do not look like column names (not shown); expected a CSV file with a header line`;
}

/**
 * Reads a CSV file into header and rows. Throws ConfigError (path
 * 'dataset.path') for a missing or unreadable file, an empty file, a file with
 * no data rows, a duplicate or empty column name, or a row whose column count
 * differs from the header's (naming the line).
 */
export function readCsvTable(path: string): CsvTable {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConfigError('dataset.path', `no such file: ${path}`);
    if (code === 'EISDIR') throw new ConfigError('dataset.path', `${path} is a directory, expected a CSV file`);
    throw new ConfigError('dataset.path', `cannot read ${path}: ${(error as Error).message}`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // byte-order mark
  const lines = text.split(/\r?\n/);

  let header: string[] | null = null;
  let headerLine = 0;
  const rows: string[][] = [];
  const lineNumbers: number[] = [];
  for (let k = 0; k < lines.length; k++) {
    const lineNumber = k + 1;
    if (lines[k].trim() === '') continue;
    const fields = splitCsvLine(lines[k]);
    if (fields === null) throw new ConfigError('dataset.path', `${path}:${lineNumber}: unterminated quoted field`);
    if (header === null) {
      header = fields;
      headerLine = lineNumber;
      const seen = new Set<string>();
      for (const name of header) {
        if (name === '') throw new ConfigError('dataset.path', `${path}:${lineNumber}: empty column name in the header`);
        if (seen.has(name)) throw new ConfigError('dataset.path', `${path}:${lineNumber}: duplicate column name ${shown(name)}`);
        seen.add(name);
      }
      continue;
    }
    if (fields.length !== header.length) {
      throw new ConfigError(
        'dataset.path',
        `${path}:${lineNumber}: expected ${header.length} columns (as in the header), found ${fields.length}`,
      );
    }
    rows.push(fields);
    lineNumbers.push(lineNumber);
  }
  if (header === null) {
    throw new ConfigError('dataset.path', `${path} is empty: expected a header line and at least one data row`);
  }
  if (rows.length === 0) {
    throw new ConfigError('dataset.path', `${path}: no data rows after the header (line ${headerLine})`);
  }
  return { path, header, rows, lineNumbers, headerLine };
}

/** Plain decimal or scientific notation only: rejects '', 'NaN', 'Infinity', '0x1f'. */
const NUMBER_PATTERN = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function parseNumber(text: string): number {
  return NUMBER_PATTERN.test(text) ? Number(text) : NaN;
}

export interface CsvDatasetOptions {
  /** Header name of the target column. */
  labelColumn: string;
  /** Header names of the feature columns (default: every column but the label). */
  featureColumns?: string[];
  /** Default: 'binary' when positiveClass is given, else 'regression'. */
  task?: Task;
  /**
   * Binary task: rows with this label get target 1, all others 0 (one-vs-rest,
   * or one-vs-one together with `classes`). Without it, binary labels must be
   * the numbers 0 and 1.
   */
  positiveClass?: string;
  /** Keep only rows whose label is one of these (e.g. two Iris species). */
  classes?: string[];
  /** Data set name (default: the file name). */
  name?: string;
}

/**
 * Loads a labelled CSV table as a Dataset. Feature fields must be plain
 * numbers; a malformed file raises ConfigError naming the file and line.
 */
export function loadCsvDataset(path: string, options: CsvDatasetOptions): LabelledDataset {
  const table = readCsvTable(path);
  const { header } = table;
  const columnIndex = (name: string, field: string): number => {
    const index = header.indexOf(name);
    if (index < 0) {
      throw new ConfigError(field, `${shown(name)} is not a column of ${path}; ${columnsText(header)}`);
    }
    return index;
  };
  const labelIndex = columnIndex(options.labelColumn, 'dataset.labelColumn');
  const featureNames = options.featureColumns ?? header.filter((_, c) => c !== labelIndex);
  if (featureNames.length === 0) {
    throw new ConfigError('dataset.featureColumns', `no feature columns: ${path} has only the label column`);
  }
  const featureIndices = featureNames.map((name, j) => {
    const index = columnIndex(name, `dataset.featureColumns.${j}`);
    if (index === labelIndex) {
      throw new ConfigError(`dataset.featureColumns.${j}`, `'${name}' is the label column, it cannot also be a feature`);
    }
    return index;
  });
  const task: Task = options.task ?? (options.positiveClass !== undefined ? 'binary' : 'regression');
  if (task === 'regression' && options.positiveClass !== undefined) {
    throw new ConfigError('dataset.positiveClass', 'only meaningful for a binary task');
  }

  const allLabels = new Set(table.rows.map((row) => row[labelIndex]));
  if (options.classes !== undefined) {
    options.classes.forEach((label, k) => {
      if (!allLabels.has(label)) {
        throw new ConfigError(`dataset.classes.${k}`, `no row of ${path} has label ${shown(label)}; labels are ${listText([...allLabels])}`);
      }
    });
  }
  if (options.positiveClass !== undefined && !allLabels.has(options.positiveClass)) {
    throw new ConfigError(
      'dataset.positiveClass',
      `no row of ${path} has label ${shown(options.positiveClass)}; labels are ${listText([...allLabels])}`,
    );
  }
  const keep = options.classes === undefined ? null : new Set(options.classes);

  const d = featureIndices.length;
  const kept: number[] = [];
  // Every row is checked, even rows the class filter drops: a malformed file is malformed.
  const values = new Float64Array(table.rows.length * d);
  table.rows.forEach((row, r) => {
    featureIndices.forEach((c, j) => {
      const value = parseNumber(row[c]);
      if (Number.isNaN(value)) {
        throw new ConfigError(
          'dataset.path',
          `${path}:${table.lineNumbers[r]}: column ${shown(header[c])} is not a number: ${shown(row[c])}`,
        );
      }
      values[r * d + j] = value;
    });
    if (keep === null || keep.has(row[labelIndex])) kept.push(r);
  });

  const m = kept.length;
  const features = new Float64Array(m * d);
  const targets = new Float64Array(m);
  const labels: string[] = [];
  const classes: string[] = [];
  kept.forEach((r, i) => {
    const label = table.rows[r][labelIndex];
    features.set(values.subarray(r * d, (r + 1) * d), i * d);
    labels.push(label);
    if (!classes.includes(label)) classes.push(label);
    if (task === 'binary' && options.positiveClass !== undefined) {
      targets[i] = label === options.positiveClass ? 1 : 0;
      return;
    }
    const target = parseNumber(label);
    if (Number.isNaN(target) || (task === 'binary' && target !== 0 && target !== 1)) {
      const expected = task === 'binary' ? '0 or 1 (or set positiveClass)' : 'a number';
      throw new ConfigError(
        'dataset.path',
        `${path}:${table.lineNumbers[r]}: label column ${shown(options.labelColumn)} is ${shown(label)}, expected ${expected}`,
      );
    }
    targets[i] = target;
  });
  if (task === 'binary') {
    let positives = 0;
    for (let i = 0; i < m; i++) positives += targets[i];
    if (positives === 0 || positives === m) {
      throw new ConfigError('dataset.classes', `a binary task needs both classes; the kept rows of ${path} are all of class ${targets[0]}`);
    }
  }
  return {
    name: options.name ?? path.split(/[\\/]/).pop() ?? path,
    features,
    targets,
    sampleCount: m,
    featureCount: d,
    task,
    featureNames: featureNames.slice(),
    labels,
    classes,
  };
}

export interface IrisOptions {
  /** Species with target 1 (default 'versicolor'). */
  positiveClass?: string;
  /** Species with target 0, or 'rest' for one-vs-rest over all 150 rows (default 'setosa'). */
  negativeClass?: string;
  /** Override the CSV location (default data/iris.csv). */
  path?: string;
}

/** Accepts 'versicolor', 'Iris-versicolor', 'VERSICOLOR'. */
function irisSpecies(field: string, name: string): string {
  const species = name.trim().toLowerCase().replace(/^iris[-_ ]/, '');
  if (!(IRIS_SPECIES as readonly string[]).includes(species)) {
    throw new ConfigError(field, `unknown Iris species '${name}'; expected one of ${IRIS_SPECIES.join(', ')}`);
  }
  return species;
}

/**
 * Fisher's Iris data as a binary task over the 4 measurements (cm): one species
 * against another (100 rows) or against the rest (150 rows). Setosa is linearly
 * separable from the others; versicolor vs virginica is not.
 */
export function loadIris(options: IrisOptions = {}): LabelledDataset {
  const positive = irisSpecies('iris.positiveClass', options.positiveClass ?? 'versicolor');
  const negativeOption = options.negativeClass ?? 'setosa';
  const oneVsRest = negativeOption.trim().toLowerCase() === 'rest';
  const negative = oneVsRest ? 'rest' : irisSpecies('iris.negativeClass', negativeOption);
  if (negative === positive) {
    throw new ConfigError('iris.negativeClass', `must differ from positiveClass ('${positive}')`);
  }
  return loadCsvDataset(options.path ?? IRIS_CSV_PATH, {
    labelColumn: 'species',
    featureColumns: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'],
    task: 'binary',
    positiveClass: positive,
    ...(oneVsRest ? {} : { classes: [negative, positive] }),
    name: `iris:${positive}-vs-${negative}`,
  });
}
