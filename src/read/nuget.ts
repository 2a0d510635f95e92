/**
 * Which package versions the project's own NuGet sources offer: the sources from nuget.config files (the project's
 * folders upwards, then the user's), each asked through its v3 service index for PackageBaseAddress, with a bounded
 * wait. With no source reachable the caller falls back to known-good versions and says so.
 */
import { writeCacheFile } from '../core/cache-file.js';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { attr, descendants } from './project/xml.js';
import { loadXmlFile } from './project/xml-file.js';
import { cacheDir } from './project/evaluate.js';
import { noteValidUntil } from '../core/input-record.js';

export interface NugetSource {
  name: string;
  url: string;
}

const NUGET_ORG: NugetSource = { name: 'nuget.org', url: 'https://api.nuget.org/v3/index.json' };

/**
 * The config file NuGet reads in a folder: the first of nuget.config, NuGet.config, NuGet.Config that exists
 * (NuGet's OrderedSettingsFileNames on a case-sensitive file system; on others any spelling is NuGet.Config).
 */
const CONFIG_NAMES = process.platform === 'linux' ? ['nuget.config', 'NuGet.config', 'NuGet.Config'] : ['NuGet.Config'];

function configFilesIn(dir: string): string[] {
  const found = CONFIG_NAMES.map((name) => path.join(dir, name)).find((file) => existsSync(file));
  return found ? [found] : [];
}

/** The nuget.config files NuGet reads for a project folder and the folders above it, nearest first. */
export function nugetConfigFiles(projectDir: string): string[] {
  const files: string[] = [];
  for (let dir = projectDir; ; dir = path.dirname(dir)) {
    files.push(...configFilesIn(dir));
    if (path.dirname(dir) === dir) break;
  }
  return files;
}

/** Sources as NuGet merges them: closest config first; a <clear/> stops the walk. */
export function nugetSources(projectDir: string, env: NodeJS.ProcessEnv = process.env): NugetSource[] {
  const files = nugetConfigFiles(projectDir);
  const user = path.join(env.HOME || os.homedir(), '.nuget', 'NuGet', 'NuGet.Config');
  if (existsSync(user)) files.push(user);
  const sources: NugetSource[] = [];
  const disabled = new Set<string>();
  for (const file of files) {
    let root;
    try {
      root = loadXmlFile(file);
    } catch {
      continue;
    }
    let cleared = false;
    for (const el of descendants(root)) {
      if (el.parent?.name === 'disabledPackageSources' && /^true$/i.test(attr(el, 'value') ?? '')) disabled.add(attr(el, 'key') ?? '');
      if (el.parent?.name !== 'packageSources') continue;
      if (el.name === 'clear') cleared = true;
      if (el.name === 'add') {
        const name = attr(el, 'key') ?? '';
        const url = attr(el, 'value') ?? '';
        if (url && !sources.some((s) => s.name === name)) sources.push({ name, url });
      }
    }
    if (cleared) return sources.filter((s) => !disabled.has(s.name));
  }
  if (sources.length === 0) sources.push(NUGET_ORG);
  return sources.filter((s) => !disabled.has(s.name));
}

export interface VersionLookup {
  versions: string[];
  /** sources that answered */
  answered: string[];
  failed: string[];
}

const baseAddressCache = new Map<string, Promise<string | null>>();
/** Sources that failed or timed out once in this run: not asked again, so one slow source costs one bound. */
const silentSources = new Set<string>();

/** Whether every one of these sources failed or timed out in this run (then a restore would wait on them too). */
export function noneAnswering(sources: NugetSource[]): boolean {
  return sources.length > 0 && sources.every((s) => silentSources.has(s.url));
}

/** How long one source may take to answer (ms; PASSKEY_MIGRATE_NUGET_TIMEOUT, default 5000). */
export function nugetTimeoutMs(): number {
  const configured = Number(process.env.PASSKEY_MIGRATE_NUGET_TIMEOUT);
  return Number.isFinite(configured) && configured > 0 ? configured : 5000;
}

async function packageBaseAddress(source: NugetSource, timeoutMs: number): Promise<string | null> {
  let cached = baseAddressCache.get(source.url);
  if (!cached) {
    cached = (async () => {
      if (!/^https?:/i.test(source.url)) return null; // local folder feeds are not asked
      const response = await fetch(source.url, { signal: AbortSignal.timeout(timeoutMs) });
      if (!response.ok) return null;
      const index = (await response.json()) as { resources?: { '@id': string; '@type': string | string[] }[] };
      const resource = index.resources?.find((r) => [r['@type']].flat().some((t) => t.startsWith('PackageBaseAddress/3.0.0')));
      return resource ? resource['@id'].replace(/\/?$/, '/') : null;
    })().catch(() => null);
    baseAddressCache.set(source.url, cached);
  }
  return cached;
}

/** How long a source's answer for a package is reused (seconds; PASSKEY_MIGRATE_NUGET_TTL, default an hour). */
function ttlMs(): number {
  const configured = Number(process.env.PASSKEY_MIGRATE_NUGET_TTL);
  return (Number.isFinite(configured) && configured >= 0 ? configured : 3600) * 1000;
}

function answerFile(source: NugetSource, id: string): string {
  return path.join(cacheDir(), 'nuget', `${createHash('sha256').update(`${source.url}\n${id.toLowerCase()}`).digest('hex').slice(0, 32)}.json`);
}

function cachedAnswer(source: NugetSource, id: string): string[] | null {
  try {
    const entry = JSON.parse(readFileSync(answerFile(source, id), 'utf8')) as { at: number; versions: string[] };
    if (!(Date.now() - entry.at < ttlMs() && Array.isArray(entry.versions))) return null;
    noteValidUntil(entry.at + ttlMs());
    return entry.versions;
  } catch {
    return null;
  }
}

function rememberAnswer(source: NugetSource, id: string, versions: string[]): void {
  noteValidUntil(Date.now() + ttlMs());
  writeCacheFile(answerFile(source, id), JSON.stringify({ at: Date.now(), versions }));
}

/**
 * The versions of a package the sources offer. A source's answer is kept for an hour in the user's cache folder,
 * so repeated checks (`add --check` in CI, on a developer's machine) do not go to the network.
 */
export async function packageVersions(id: string, sources: NugetSource[], timeoutMs = nugetTimeoutMs()): Promise<VersionLookup> {
  const versions = new Set<string>();
  const answered: string[] = [];
  const failed: string[] = [];
  await Promise.all(
    sources.map(async (source) => {
      const known = cachedAnswer(source, id);
      if (known) {
        answered.push(source.name);
        for (const v of known) versions.add(v);
        return;
      }
      // A source that did not answer: what this run decides holds only for this run.
      if (silentSources.has(source.url)) {
        noteValidUntil(0);
        failed.push(source.name);
        return;
      }
      try {
        const base = await packageBaseAddress(source, timeoutMs);
        if (!base) {
          noteValidUntil(0);
          silentSources.add(source.url);
          failed.push(source.name);
          return;
        }
        const response = await fetch(`${base}${id.toLowerCase()}/index.json`, { signal: AbortSignal.timeout(timeoutMs) });
        answered.push(source.name);
        if (response.status === 404) {
          rememberAnswer(source, id, []);
          return;
        }
        if (!response.ok) {
          noteValidUntil(0);
          return;
        }
        const doc = (await response.json()) as { versions?: string[] };
        for (const v of doc.versions ?? []) versions.add(v);
        rememberAnswer(source, id, doc.versions ?? []);
      } catch {
        noteValidUntil(0);
        silentSources.add(source.url);
        failed.push(source.name);
      }
    }),
  );
  return { versions: [...versions], answered, failed };
}

/** The newest stable version with the given major, e.g. newestOfMajor(["10.0.1","10.0.15","11.0.0-preview"], 10). */
export function newestOfMajor(versions: string[], major: number): string | undefined {
  return versions.filter((v) => /^\d+\.\d+\.\d+$/.test(v) && Number(v.split('.')[0]) === major).sort((a, b) => compareVersions(b, a))[0];
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((x) => Number(x));
  const pb = b.split(/[.-]/).map((x) => Number(x));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0 && !Number.isNaN(d)) return d;
  }
  return 0;
}
