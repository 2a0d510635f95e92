/**
 * The project as MSBuild evaluates it, asked of the .NET SDK itself (`dotnet msbuild -getProperty -getItem`, and
 * `-pp` for the files the evaluation imported): target frameworks, package versions (central package management
 * and version properties included), DefineConstants, the projects referenced. Our XML reader then only locates
 * the text to edit; where it cannot find what MSBuild evaluated, the planners refuse and name the property.
 *
 * Evaluations are cached in the user's cache folder, keyed by the SDK, the environment MSBuild reads, and the
 * content of every imported project file, so an unchanged project is not evaluated twice. An unreadable cache
 * is ignored.
 */
import { writeCacheFile } from '../../core/cache-file.js';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ownOutput } from '../../core/input-record.js';
import { UserError } from '../../core/errors.js';

export interface EvaluatedItem {
  identity: string;
  /** the project file that defines the item (where to edit it) */
  definingFile: string;
  metadata: Record<string, string>;
}

export interface EvaluatedProject {
  path: string;
  properties: Record<string, string>;
  packageReferences: EvaluatedItem[];
  packageVersions: EvaluatedItem[];
  projectReferences: string[];
  /** the namespaces of the project's global usings from MSBuild (ImplicitUsings and <Using> items) */
  usings: string[];
  /** the project's own files the evaluation imported (not the SDK's), in evaluation order */
  imports: string[];
}

/** The properties every read needs; one evaluation asks for all of them. */
export const EVALUATED_PROPERTIES = [
  'TargetFramework',
  'TargetFrameworks',
  'DefineConstants',
  'ManagePackageVersionsCentrally',
  'RootNamespace',
  'AssemblyName',
  'Nullable',
  'UserSecretsId',
  'IdentityUIFrameworkVersion',
  'UsingMicrosoftNETSdkWeb',
  'LangVersion',
] as const;

const CACHE_VERSION = 2;

function run(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'dotnet',
      args,
      {
        cwd,
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1', DOTNET_SKIP_FIRST_TIME_EXPERIENCE: '1', MSBUILDDISABLENODEREUSE: '1' },
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : -1) : 0;
        if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
          resolve({ code: -2, stdout: '', stderr: 'dotnet not found' });
          return;
        }
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The first error MSBuild printed, for a one-line message. */
function firstError(output: string): string {
  const line =
    output
      .split('\n')
      .map((l) => l.trim())
      .find((l) => /\berror\b/i.test(l)) ??
    output
      .split('\n')
      .map((l) => l.trim())
      .find(Boolean) ??
    'no output';
  return line.replace(/\s*\[[^\]]*\.(cs|fs|vb)proj\]$/, '').slice(0, 400);
}

/** Where the SDK is and which SDKs it has: part of every cache key (installing an SDK changes evaluations). */
export function sdkStamp(): string {
  try {
    const dotnet = realpathSync(process.env.DOTNET_HOST_PATH ?? whichDotnet());
    const sdk = path.join(path.dirname(dotnet), 'sdk');
    return `${dotnet}:${statSync(sdk).mtimeMs}`;
  } catch {
    return 'unknown';
  }
}

function whichDotnet(): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, process.platform === 'win32' ? 'dotnet.exe' : 'dotnet');
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return 'dotnet';
}

/** Environment variables MSBuild turns into properties or reads itself. */
export function environmentStamp(): string {
  return Object.entries(process.env)
    .filter(([k]) => /^(MSBUILD|DOTNET_|NUGET|Configuration$|Platform$|TargetFramework)/i.test(k))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
}

function hashFiles(files: string[]): string {
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(file);
    try {
      hash.update(readFileSync(file));
    } catch {
      hash.update('(missing)');
    }
  }
  return hash.digest('hex');
}

export function cacheDir(): string {
  const base =
    process.env.PASSKEY_MIGRATE_CACHE ??
    (process.platform === 'win32'
      ? path.join(process.env.LOCALAPPDATA ?? path.join(os.homedir(), 'AppData', 'Local'), 'passkey-migrate')
      : path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'passkey-migrate'));
  return base;
}

interface CacheEntry {
  version: number;
  key: string;
  importsHash: string;
  project: EvaluatedProject;
}

function cacheFile(projectPath: string, globals: Record<string, string>): string {
  const id = createHash('sha256')
    .update(`${projectPath}\n${JSON.stringify(globals)}`)
    .digest('hex')
    .slice(0, 32);
  return path.join(cacheDir(), 'msbuild', `${id}.json`);
}

function readCache(file: string, key: string): EvaluatedProject | null {
  try {
    const entry = JSON.parse(readFileSync(file, 'utf8')) as CacheEntry;
    if (entry.version !== CACHE_VERSION || entry.key !== key) return null;
    return hashFiles(entry.project.imports) === entry.importsHash ? entry.project : null;
  } catch {
    return null;
  }
}

function writeCache(file: string, key: string, project: EvaluatedProject): void {
  writeCacheFile(file, JSON.stringify({ version: CACHE_VERSION, key, importsHash: hashFiles(project.imports), project } satisfies CacheEntry));
}

/** The project files (not the SDK's) an evaluation imported, from the import markers of `dotnet msbuild -pp`. */
export function importsOf(preprocessed: string, projectPath: string): string[] {
  const out: string[] = [];
  const marker = /={20,}\r?\n(?:[^\n]*\r?\n)*?([^\n<>]+?\.(?:props|targets|proj|csproj))\r?\n={20,}/g;
  for (const match of preprocessed.matchAll(marker)) {
    const file = match[1]!.trim();
    if (!path.isAbsolute(file)) continue;
    if (!out.includes(file)) out.push(file);
  }
  if (!out.includes(projectPath)) out.unshift(projectPath);
  const sdkRoots = [path.dirname(realpathSafe(whichDotnet())), path.join(os.homedir(), '.nuget', 'packages'), process.env.NUGET_PACKAGES].filter(Boolean) as string[];
  return out.filter((f) => !sdkRoots.some((root) => f.startsWith(root + path.sep)) && !/[\\/]obj[\\/][^\\/]*\.nuget\.g\.(props|targets)$/.test(f));
}

function realpathSafe(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

function items(raw: unknown, projectPath: string): EvaluatedItem[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((entry) => {
    const e = entry as Record<string, string>;
    const { Identity, DefiningProjectFullPath, ...rest } = e;
    return { identity: Identity ?? '', definingFile: DefiningProjectFullPath ?? projectPath, metadata: rest };
  });
}

function installedSdks(output: string): string {
  const found = [...output.matchAll(/^\s*(\d+\.\d+\.\d+\S*)\s+\[/gm)].map((m) => m[1]);
  return found.length ? `installed: ${found.join(', ')}` : 'no matching SDK is installed';
}

/**
 * Evaluates one project with the SDK (cached). `globals` are global properties (`-p:Name=Value`), for an
 * evaluation as after the upgrade (TargetFramework=net10.0 for the compiler's DefineConstants).
 */
export async function evaluateProject(projectPath: string, options: { globals?: Record<string, string>; target?: string } = {}): Promise<EvaluatedProject> {
  const globals = options.globals ?? {};
  const key = `${CACHE_VERSION}\n${sdkStamp()}\n${environmentStamp()}\n${options.target ?? ''}`;
  const file = cacheFile(projectPath, { ...globals, target: options.target ?? '' });
  const cached = readCache(file, key);
  if (cached) return cached;

  const cwd = path.dirname(projectPath);
  const globalArgs = Object.entries(globals).map(([k, v]) => `-p:${k}=${v}`);
  const query = [
    'msbuild',
    projectPath,
    '-nologo',
    ...EVALUATED_PROPERTIES.map((p) => `-getProperty:${p}`),
    '-getItem:PackageReference',
    '-getItem:PackageVersion',
    '-getItem:ProjectReference',
    '-getItem:Using',
    ...(options.target ? [`-t:${options.target}`] : []),
    ...globalArgs,
  ];
  const ppFile = path.join(os.tmpdir(), `pkm-pp-${process.pid}-${createHash('sha1').update(file).digest('hex').slice(0, 8)}.xml`);
  ownOutput(ppFile); // written by dotnet msbuild -pp for this run, not an input
  let [evaluation] = await Promise.all([run(query, cwd), run(['msbuild', projectPath, '-nologo', `-pp:${ppFile}`, ...globalArgs], cwd)]);
  // A global.json that pins an SDK below 10 which this machine lacks: the upgrade moves that pin to 10.0.100, so
  // the project is evaluated as it will be, by the installed SDK (dotnet resolves the SDK from the working folder).
  const pinned = /Requested SDK version:\s*(\d+)\.[\d.]+/.exec(evaluation.stdout + evaluation.stderr);
  if (evaluation.code !== 0 && pinned) {
    if (Number(pinned[1]) >= 10) {
      throw new UserError(
        `global.json pins the .NET SDK ${/Requested SDK version:\s*(\S+)/.exec(evaluation.stdout + evaluation.stderr)![1]}, which is not installed (${installedSdks(evaluation.stdout + evaluation.stderr)})`,
        {
          hint: 'install that SDK, or change the pin in global.json, then run again',
        },
      );
    }
    const outside = os.tmpdir();
    [evaluation] = await Promise.all([run(query, outside), run(['msbuild', projectPath, '-nologo', `-pp:${ppFile}`, ...globalArgs], outside)]);
  }
  if (evaluation.code === -2) {
    throw new UserError('the .NET SDK (dotnet) was not found on PATH; passkey-migrate asks it how the project evaluates', {
      hint: 'install the .NET 10 SDK, or put dotnet on PATH',
    });
  }
  if (evaluation.code !== 0) {
    throw new UserError(`dotnet msbuild could not evaluate ${projectPath}: ${firstError(evaluation.stdout + '\n' + evaluation.stderr)}`, {
      hint: 'fix the project so that dotnet build can read it (a missing SDK in global.json, an Import that is not there), then run again',
    });
  }
  let parsed: { Properties?: Record<string, string>; Items?: Record<string, unknown> };
  try {
    parsed = JSON.parse(evaluation.stdout.slice(evaluation.stdout.indexOf('{')));
  } catch {
    throw new UserError(`dotnet msbuild printed something other than the evaluation of ${projectPath}: ${firstError(evaluation.stdout)}`);
  }
  let preprocessed = '';
  try {
    preprocessed = readFileSync(ppFile, 'utf8');
  } catch {
    // no import list: the project file alone is hashed
  } finally {
    rmSync(ppFile, { force: true });
  }
  const project: EvaluatedProject = {
    path: projectPath,
    properties: parsed.Properties ?? {},
    packageReferences: items(parsed.Items?.PackageReference, projectPath),
    packageVersions: items(parsed.Items?.PackageVersion, projectPath),
    projectReferences: items(parsed.Items?.ProjectReference, projectPath).map((i) => i.metadata.FullPath ?? path.resolve(cwd, i.identity.replace(/\\/g, '/'))),
    usings: items(parsed.Items?.Using, projectPath)
      .filter((u) => !u.metadata.Alias && !/^true$/i.test(u.metadata.Static ?? ''))
      .map((u) => u.identity),
    imports: importsOf(preprocessed, projectPath),
  };
  writeCache(file, key, project);
  return project;
}
