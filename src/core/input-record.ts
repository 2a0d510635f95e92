/**
 * What a run read from the file system, recorded so that a later run can tell in one pass of hashes whether
 * any of it changed (the fast path of `add --check`, commands/check-cache.ts). Every synchronous read the read
 * and plan stages make goes through node:fs (readFileSync, readdirSync, existsSync, statSync, lstatSync,
 * realpathSync, accessSync); while recording, those functions are wrapped (and `syncBuiltinESMExports` hands
 * the wrappers to every ES module that imported them), so nothing is left out by a forgotten call site.
 * Answers that depend on time rather than on files (NuGet answers kept for a TTL) say until when they hold.
 */
import { createHash } from 'node:crypto';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import path from 'node:path';

const fs = createRequire(import.meta.url)('node:fs') as typeof import('node:fs');
const original = {
  readFileSync: fs.readFileSync,
  readdirSync: fs.readdirSync,
  existsSync: fs.existsSync,
  statSync: fs.statSync,
  lstatSync: fs.lstatSync,
  realpathSync: fs.realpathSync,
  accessSync: fs.accessSync,
};

export type InputKind = 'file' | 'dir' | 'exists' | 'stat' | 'lstat' | 'real' | 'access';

export interface InputEntry {
  kind: InputKind;
  path: string;
  digest: string;
}

interface Recording {
  entries: Map<string, InputEntry>;
  exclude: string[];
  validUntil: number;
}

let active: Recording | null = null;

const sha = (data: string | Buffer) => createHash('sha256').update(data).digest('base64url');

/** The digest of one input as it is now (what a recorded entry is compared with). */
export function digestOf(kind: InputKind, file: string, mode?: number): string {
  try {
    switch (kind) {
      case 'file':
        return sha(original.readFileSync(file));
      case 'dir':
        return sha(
          original
            .readdirSync(file, { withFileTypes: true })
            .map((d) => `${d.name}:${d.isDirectory() ? 'd' : d.isFile() ? 'f' : d.isSymbolicLink() ? 'l' : 'o'}`)
            .sort()
            .join('\n'),
        );
      case 'exists':
        return original.existsSync(file) ? 'yes' : 'no';
      case 'stat':
      case 'lstat': {
        const s = (kind === 'stat' ? original.statSync : original.lstatSync)(file);
        // A folder's own times change with every file made and removed in it (a database's journal): what is in
        // it is recorded by the listings that were read, not here.
        if (s.isDirectory()) return 'd';
        return `${s.isFile() ? 'f' : s.isSymbolicLink() ? 'l' : 'o'}:${s.size}:${s.mtimeMs}`;
      }
      case 'real':
        return original.realpathSync(file);
      case 'access':
        original.accessSync(file, mode);
        return `ok:${mode ?? 0}`;
    }
  } catch (error) {
    return `error:${(error as NodeJS.ErrnoException).code ?? 'unknown'}${kind === 'access' ? `:${mode ?? 0}` : ''}`;
  }
}

function note(kind: InputKind, target: unknown, mode?: number): void {
  if (!active || (typeof target !== 'string' && !(target instanceof URL))) return;
  const file = path.resolve(target instanceof URL ? target.pathname : target);
  if (active.exclude.some((dir) => file === dir || file.startsWith(dir + path.sep))) return;
  const key = `${kind}\0${file}${kind === 'access' ? `\0${mode ?? 0}` : ''}`;
  if (!active.entries.has(key)) active.entries.set(key, { kind, path: file, digest: digestOf(kind, file, mode) });
}

function install(wrappers: Partial<typeof original>): void {
  Object.assign(fs, wrappers);
  syncBuiltinESMExports();
}

/**
 * Starts recording every file-system read (paths under `exclude` are left out: our own package, our caches).
 * `stop()` ends it and returns what was read, with the time until which time-bound answers hold.
 */
export function startRecording(exclude: string[]): { stop(): { inputs: InputEntry[]; validUntil: number } } {
  const recording: Recording = { entries: new Map(), exclude: exclude.map((d) => path.resolve(d)), validUntil: Number.POSITIVE_INFINITY };
  active = recording;
  install({
    readFileSync: ((file: unknown, ...rest: unknown[]) => {
      note('file', file);
      return (original.readFileSync as (...a: unknown[]) => unknown)(file, ...rest);
    }) as typeof fs.readFileSync,
    readdirSync: ((file: unknown, ...rest: unknown[]) => {
      note('dir', file);
      return (original.readdirSync as (...a: unknown[]) => unknown)(file, ...rest);
    }) as typeof fs.readdirSync,
    existsSync: ((file: unknown) => {
      note('exists', file);
      return original.existsSync(file as string);
    }) as typeof fs.existsSync,
    statSync: ((file: unknown, ...rest: unknown[]) => {
      note('stat', file);
      return (original.statSync as (...a: unknown[]) => unknown)(file, ...rest);
    }) as typeof fs.statSync,
    lstatSync: ((file: unknown, ...rest: unknown[]) => {
      note('lstat', file);
      return (original.lstatSync as (...a: unknown[]) => unknown)(file, ...rest);
    }) as typeof fs.lstatSync,
    realpathSync: Object.assign(
      (file: unknown, ...rest: unknown[]) => {
        note('real', file);
        return (original.realpathSync as (...a: unknown[]) => unknown)(file, ...rest);
      },
      { native: original.realpathSync.native },
    ) as unknown as typeof fs.realpathSync,
    accessSync: ((file: unknown, mode?: number) => {
      note('access', file, mode);
      return original.accessSync(file as string, mode);
    }) as typeof fs.accessSync,
  });
  return {
    stop() {
      if (active === recording) {
        active = null;
        install(original);
      }
      return { inputs: [...recording.entries.values()], validUntil: recording.validUntil };
    },
  };
}

/** A file this run has a tool write and then reads (an output, not an input): left out of the recording. */
export function ownOutput(file: string): void {
  active?.exclude.push(path.resolve(file));
}

/** An answer the run used holds only until `at` (ms since the epoch): a cache of the run must not outlive it. */
export function noteValidUntil(at: number): void {
  if (active) active.validUntil = Math.min(active.validUntil, at);
}

/** The first recorded input that is no longer as it was, or null when every one is unchanged. */
export function firstChanged(inputs: InputEntry[]): InputEntry | null {
  for (const entry of inputs) {
    const mode = entry.kind === 'access' ? Number(/:(\d+)$/.exec(entry.digest)?.[1] ?? 0) : undefined;
    if (digestOf(entry.kind, entry.path, mode) !== entry.digest) return entry;
  }
  return null;
}
