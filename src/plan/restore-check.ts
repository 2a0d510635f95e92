/**
 * NuGet's verdict on the retargeted project, before anything is written: the staged MSBuild files (every project
 * file, props and targets the evaluation imported, and the nuget.config files in force) are copied to a scratch
 * folder and restored there with `dotnet restore`. A package the app pins below what the .NET 10 packages need
 * (NU1605 / NU1109, "Detected package downgrade") would fail the app's build; the caller raises those pins.
 * A verdict is cached by the content of what was restored (files by their place, nuget.config files, the SDK and
 * the environment NuGet reads), so planning the same change twice restores once.
 */
import { writeCacheFile } from '../core/cache-file.js';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runDotnet } from '../core/dotnet.js';
import { cacheDir, environmentStamp, sdkStamp } from '../read/project/evaluate.js';
import { nugetConfigFiles } from '../read/nuget.js';
import { noteValidUntil, ownOutput } from '../core/input-record.js';

export interface Downgrade {
  id: string;
  /** what a package of the graph needs (the lowest version that restores) */
  required: string;
  /** what the app pins */
  pinned: string;
  /** the package of the app that brings the requirement in, when NuGet printed the chain */
  neededBy?: string;
}

export interface RestoreVerdict {
  downgrades: Downgrade[];
  /** set when restore failed for another reason (no source answered, a private feed): nothing could be judged */
  problem?: string;
}

/** The common folder of a set of absolute paths. */
export function commonDir(files: string[]): string {
  let base = path.dirname(files[0]!);
  for (const file of files) {
    while (!(file + path.sep).startsWith(base.endsWith(path.sep) ? base : base + path.sep)) base = path.dirname(base);
  }
  return base;
}

export function parseDowngrades(output: string): Downgrade[] {
  const downgrades: Downgrade[] = [];
  const lines = output.split(/\r?\n/);
  lines.forEach((line, i) => {
    const m = /\bNU1(?:605|109)\b.*?Detected package downgrade: (\S+) from (\S+?) to (?:centrally defined )?(\S+?)\.?(?:\s|$)/.exec(line);
    if (!m) return;
    const [, id, required, pinned] = m as unknown as [string, string, string, string];
    if (downgrades.some((d) => d.id.toLowerCase() === id.toLowerCase())) return;
    // The chain that needs the higher version: "App -> Direct 10.0.1 -> ... -> Id (>= required)".
    const chain = lines.slice(i + 1, i + 4).find((l) => l.includes('->') && l.includes(`(>= ${required})`));
    const neededBy = chain ? /->\s*([\w.]+)\s+[\d.]+/.exec(chain)?.[1] : undefined;
    downgrades.push({ id, required, pinned, neededBy });
  });
  return downgrades;
}

/**
 * Restores `projectPath` as the staged files say it will be. `files` maps every MSBuild file (absolute path) to
 * its staged text.
 */
export async function restoreStaged(projectPath: string, files: Map<string, string>, env: NodeJS.ProcessEnv = process.env): Promise<RestoreVerdict> {
  const configs = nugetConfigFiles(path.dirname(projectPath)).filter((c) => !files.has(c));
  const base = commonDir([...files.keys(), projectPath]);
  const hash = createHash('sha256').update(`1\n${sdkStamp()}\n${environmentStamp()}\n`);
  for (const [file, text] of [...files].sort(([a], [b]) => a.localeCompare(b))) hash.update(`${path.relative(base, file)}\n${text.length}\n`).update(text);
  const userConfig = path.join(env.HOME || os.homedir(), '.nuget', 'NuGet', 'NuGet.Config');
  for (const config of [...configs, userConfig]) hash.update(`${config.startsWith(base + path.sep) ? path.relative(base, config) : config}\n`).update(safeRead(config));
  const cached = path.join(cacheDir(), 'restore', `${hash.digest('hex')}.json`);
  try {
    return JSON.parse(readFileSync(cached, 'utf8')) as RestoreVerdict;
  } catch {
    // not restored before
  }
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'pkm-restore-'));
  ownOutput(scratch); // our scratch copy, not an input of the run
  try {
    const place = (file: string) => path.join(scratch, 'src', path.relative(base, file));
    for (const [file, text] of files) {
      mkdirSync(path.dirname(place(file)), { recursive: true });
      writeFileSync(place(file), text);
    }
    // Configs inside the copied folders keep their place; the nearest one above them stands in at the top.
    const above = configs.filter((c) => !c.startsWith(base + path.sep));
    for (const config of configs.filter((c) => c.startsWith(base + path.sep))) {
      mkdirSync(path.dirname(place(config)), { recursive: true });
      copyFileSync(config, place(config));
    }
    if (above[0]) copyFileSync(above[0], path.join(scratch, 'src', path.basename(above[0])));
    const result = await runDotnet(['restore', place(projectPath), '-nologo', '-v', 'n', '-nodeReuse:false'], { env, cwd: scratch });
    // A restore that could not judge (a source down, a package not served) may judge next time: not kept.
    if (result.code === -2) {
      noteValidUntil(0);
      return { downgrades: [], problem: 'dotnet was not found on PATH' };
    }
    const downgrades = parseDowngrades(result.output);
    if (result.code !== 0 && downgrades.length === 0) {
      noteValidUntil(0);
      const first =
        result.output
          .split(/\r?\n/)
          .find((l) => /\berror\b/i.test(l))
          ?.trim() ?? 'no error line';
      const clean = first
        .split(scratch + path.sep + 'src' + path.sep)
        .join('')
        .replace(/^\d+>/, '')
        .replace(/\s*\[[^\]]*\]$/, '');
      return { downgrades, problem: clean.slice(0, 300) };
    }
    remember(cached, { downgrades });
    return { downgrades };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function safeRead(file: string): Buffer | string {
  try {
    return readFileSync(file);
  } catch {
    return '(unreadable)';
  }
}

function remember(file: string, verdict: RestoreVerdict): void {
  writeCacheFile(file, JSON.stringify(verdict));
}
