import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ConfigError } from '../errors.js';

/**
 * The one name and path policy for every file limsim writes (run, training,
 * sweep, merge, report, schema), and the way it writes them: a temp file
 * beside the target, fsync, rename, fsync of the folder, so a reader (or a
 * crash) never sees a half-written file; stale temp files of a killed process
 * are removed by the next writer into that folder; run and sweep folders are
 * locked by one writer at a time.
 */

/** Longest name limsim accepts for a run, sweep or file name (file systems allow 255 bytes; a stamp is appended). */
export const MAX_NAME_LENGTH = 100;
const SAFE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/** A name that becomes (part of) a file or folder name: [A-Za-z0-9._-], no leading dot, at most MAX_NAME_LENGTH. */
export function checkSafeName(name: unknown, field: string): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new ConfigError(field, `got ${JSON.stringify(name) ?? String(name)}; expected a non-empty name of letters, digits, ".", "_" or "-"`);
  }
  const shown = JSON.stringify(name.length > 60 ? `${name.slice(0, 57)}...` : name);
  if (name.length > MAX_NAME_LENGTH) throw new ConfigError(field, `got ${shown} (${name.length} characters); expected at most ${MAX_NAME_LENGTH}`);
  if (!SAFE_NAME.test(name)) {
    throw new ConfigError(field, `got ${shown}; expected letters, digits, ".", "_" or "-", not starting with "." (it names a results folder)`);
  }
  return name;
}

/** Join a file name to a folder, refusing a name that would leave the folder. */
export function pathInside(folder: string, name: string): string {
  const root = resolve(folder);
  const path = resolve(root, name);
  const rel = relative(root, path);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
    throw new ConfigError(name, `resolves to "${path}", outside the output folder "${root}"`);
  }
  return path;
}

/** Pseudo file systems that a results path must never enter (writes there hang or fail oddly). */
const FORBIDDEN_ROOTS = ['/proc', '/sys', '/dev'];

function nearestExisting(path: string): string {
  let p = path;
  while (!existsSync(p)) {
    const up = dirname(p);
    if (up === p) break;
    p = up;
  }
  return p;
}

function checkNotPseudo(path: string, flag: string): void {
  for (const root of FORBIDDEN_ROOTS) {
    if (path === root || path.startsWith(root + sep)) throw new ConfigError(flag, `"${path}" is inside ${root}; expected a folder on a real file system`);
  }
}

/** The folder (or its nearest existing ancestor) must be a writable folder. */
function checkWritableAncestor(path: string, flag: string, shown: string): void {
  const existing = nearestExisting(path);
  let stat;
  try {
    stat = statSync(existing);
  } catch (err) {
    throw fileSystemError(err, existing) ?? err;
  }
  if (!stat.isDirectory()) throw new ConfigError(flag, `"${shown}": "${existing}" is a file, not a folder`);
  try {
    accessSync(existing, constants.W_OK | constants.X_OK);
  } catch {
    throw new ConfigError(flag, `"${shown}": folder "${existing}" is not writable`);
  }
}

/**
 * Check an output folder before any work: not a file, not inside /proc, /sys
 * or /dev, and creatable (its nearest existing ancestor is a writable folder).
 * Returns the resolved path. Nothing is created.
 */
export function checkOutputFolder(path: string, flag = '--out'): string {
  if (path.trim() === '') throw new ConfigError(flag, 'got an empty path; expected a folder');
  const dir = resolve(path);
  checkNotPseudo(dir, flag);
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new ConfigError(flag, `"${path}" exists and is a file; expected a folder (new, or one limsim wrote)`);
  checkWritableAncestor(dir, flag, path);
  return dir;
}

/** Check an output file path before any work: not a folder, its folder creatable and writable. */
export function checkOutputFile(path: string, flag = '--out'): string {
  if (path.trim() === '') throw new ConfigError(flag, 'got an empty path; expected a file');
  const file = resolve(path);
  checkNotPseudo(file, flag);
  if (existsSync(file)) {
    if (statSync(file).isDirectory()) throw new ConfigError(flag, `"${path}" is a folder; expected a file path`);
    try {
      accessSync(file, constants.W_OK);
    } catch {
      throw new ConfigError(flag, `"${path}" exists and is not writable`);
    }
  }
  checkWritableAncestor(dirname(file), flag, path);
  if (basename(file).startsWith('.')) throw new ConfigError(flag, `"${path}": expected a file name that does not start with "."`);
  return file;
}

const ERRNO_TEXT: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EEXIST: 'already exists',
  EISDIR: 'is a folder, expected a file',
  ENOTDIR: 'a part of the path is a file, not a folder',
  ENOENT: 'does not exist',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'is on a read-only file system',
  ENAMETOOLONG: 'name too long',
  ELOOP: 'too many symbolic links',
  EMFILE: 'too many open files',
  EBUSY: 'is busy',
  EINVAL: 'invalid path for this file system',
  EIO: 'input/output error',
  EXDEV: 'crosses file systems',
};

/** A file-system error (errno code) as one line naming the path and the problem; null for other errors. */
export function fileSystemError(err: unknown, fallbackPath?: string): ConfigError | null {
  if (err instanceof ConfigError) return err;
  const e = err as NodeJS.ErrnoException | undefined;
  if (!e || typeof e.code !== 'string' || !/^E[A-Z]+$/.test(e.code)) return null;
  const path = e.path ?? (e as { dest?: string }).dest ?? fallbackPath ?? '(file)';
  return new ConfigError(path, ERRNO_TEXT[e.code] ?? `file-system error ${e.code}`);
}

/** fsync a folder so that a rename into it is durable (ignored where folders cannot be opened). */
function fsyncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on a folder; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

const TEMP_SUFFIX = /\.(\d+)\.tmp$/;

/** The temp file of a target: hidden beside it, with the writer's pid (removed by the next writer if that pid died). */
function tempPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
}

function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Remove temp files that a killed writer left in a folder (theirs pid is gone); returns the names removed. */
export function removeStaleTemps(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    const match = TEMP_SUFFIX.exec(name);
    if (!match) continue;
    const pid = Number(match[1]);
    if (pidAlive(pid)) continue;
    try {
      unlinkSync(join(dir, name));
      removed.push(name);
    } catch {
      // Another writer removed it first.
    }
  }
  return removed;
}

const cleanedFolders = new Set<string>();

/**
 * Write a file so that a reader never sees it half-written: temp file beside
 * it, fsync, rename (atomic on POSIX within one file system), fsync of the
 * folder. The first write into a folder removes stale temps of dead writers.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(resolve(path));
  try {
    mkdirSync(dir, { recursive: true });
    if (!cleanedFolders.has(dir)) {
      removeStaleTemps(dir);
      cleanedFolders.add(dir);
    }
    const temp = tempPath(resolve(path));
    const fd = openSync(temp, 'w');
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      let offset = 0;
      while (offset < bytes.length) offset += writeSync(fd, bytes, offset);
      fsyncSync(fd);
    } catch (err) {
      closeSync(fd);
      unlinkSync(temp);
      throw err;
    }
    closeSync(fd);
    renameSync(temp, path);
    fsyncFolder(dir);
  } catch (err) {
    throw fileSystemError(err, path) ?? err;
  }
}

// ---------------------------------------------------------------------------
// Folder locks

export const LOCK_FILE = '.limsim.lock';

interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
}

export interface FolderLock {
  dir: string;
  /** Whether this lock created the folder (so a failed run can remove it again: nothing written). */
  created: boolean;
  release(options?: { removeIfEmpty?: boolean }): void;
}

const heldLocks = new Set<FolderLock>();
let exitHookInstalled = false;

function readHolder(path: string): LockHolder | null {
  try {
    const holder = JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
    return typeof holder.pid === 'number' && typeof holder.host === 'string' ? holder : null;
  } catch {
    return null;
  }
}

/**
 * Take the lock of an output folder: a lock file created exclusively (O_EXCL)
 * holding pid, host and start time. A lock whose holder is a dead process on
 * this host is stale and taken over (a killed sweep must resume). A live
 * holder (or one on another host, whose liveness cannot be checked) is a
 * ConfigError naming it. Creates the folder if needed.
 */
export function lockFolder(path: string, flag = '--out', command = 'limsim'): FolderLock {
  const dir = checkOutputFolder(path, flag);
  const created = !existsSync(dir);
  const existingAncestor = nearestExisting(dir);
  const lockPath = join(dir, LOCK_FILE);
  const me: LockHolder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), command };
  try {
    mkdirSync(dir, { recursive: true });
    for (let attempt = 0; ; attempt++) {
      try {
        const fd = openSync(lockPath, 'wx');
        writeSync(fd, JSON.stringify(me) + '\n');
        fsyncSync(fd);
        closeSync(fd);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 2) throw err;
        const holder = readHolder(lockPath);
        const sameHost = holder?.host === me.host;
        if (holder && (!sameHost || pidAlive(holder.pid))) {
          throw new ConfigError(
            flag,
            `"${path}" is locked by ${holder.command} (pid ${holder.pid} on ${holder.host}, since ${holder.startedAt}); wait for it, or remove ${lockPath} if that process is gone`,
          );
        }
        // Stale (dead pid on this host) or unreadable (a writer killed mid-write): take it over.
        try {
          unlinkSync(lockPath);
        } catch {
          // Another process took it over first; the next attempt sees its lock.
        }
      }
    }
  } catch (err) {
    throw fileSystemError(err, lockPath) ?? err;
  }
  removeStaleTemps(dir);
  const lock: FolderLock = {
    dir,
    created,
    release(options = {}) {
      if (!heldLocks.delete(lock)) return;
      try {
        if (readHolder(lockPath)?.pid === process.pid) unlinkSync(lockPath);
        // Remove the folders this lock created (up to the ancestor that existed), while they are empty.
        if (options.removeIfEmpty && created) {
          for (let d = dir; d !== existingAncestor && d !== dirname(d) && readdirSync(d).length === 0; d = dirname(d)) rmdirSync(d);
        }
      } catch {
        // Best effort: a lock left behind by this (now exiting) pid is stale for the next writer.
      }
    },
  };
  heldLocks.add(lock);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const l of [...heldLocks]) l.release({ removeIfEmpty: true });
    });
  }
  return lock;
}

/** Run `work` holding the folder's lock; on an error the lock is released and a folder it created and left empty is removed. */
export async function withFolderLock<T>(path: string, flag: string, command: string, work: (lock: FolderLock) => Promise<T> | T): Promise<T> {
  const lock = lockFolder(path, flag, command);
  try {
    const value = await work(lock);
    lock.release();
    return value;
  } catch (err) {
    lock.release({ removeIfEmpty: true });
    throw err;
  }
}
