/**
 * Reads a project the way MSBuild layers it, far enough for our facts: the nearest Directory.Build.props and what
 * it imports, the project file and its imports, then central package versions from the nearest
 * Directory.Packages.props. Properties are substituted ($(Name)); conditions are recorded, not evaluated.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../../core/errors.js';
import { readText } from '../text.js';
import { attr, descendants, parseXml, textOf, type XmlElement, XmlSyntaxError } from './xml.js';

export interface MsbuildFile {
  path: string;
  text: string;
  root: XmlElement;
}

export interface PropertySetting {
  name: string;
  raw: string;
  value: string;
  file: string;
  element: XmlElement;
  conditional: boolean;
}

export interface PackageReference {
  id: string;
  /** the element that carries the version: the PackageReference (attribute or child) or the PackageVersion */
  versionElement?: XmlElement;
  /** the evaluated version, when known */
  version?: string;
  /** where the version is written: the PackageReference itself, or a PackageVersion in Directory.Packages.props */
  versionFile?: string;
  versionRaw?: string;
  file: string;
}

export interface MsbuildProject {
  path: string;
  dir: string;
  name: string;
  isWeb: boolean;
  /** every file read, in evaluation order */
  files: MsbuildFile[];
  properties: Map<string, PropertySetting>;
  /** every TargetFramework/TargetFrameworks setting, in evaluation order (the last one wins) */
  targetFrameworkSettings: PropertySetting[];
  packages: PackageReference[];
  projectReferences: string[];
  centralPackages?: { file: string; enabled: boolean };
}

/** Parsed files, valid while the file's size and modification time stay the same (a write is seen at once). */
const cache = new Map<string, { stamp: string; file: MsbuildFile }>();

function stampOf(file: string): string {
  try {
    const s = statSync(file);
    return `${s.size}:${s.mtimeMs}:${s.ino}`;
  } catch {
    return 'missing';
  }
}

export function loadMsbuildFile(file: string): MsbuildFile {
  const stamp = stampOf(file);
  const cached = cache.get(file);
  if (cached && cached.stamp === stamp) return cached.file;
  const text = readText(file);
  let root: XmlElement;
  try {
    root = parseXml(text);
  } catch (error) {
    if (error instanceof XmlSyntaxError) {
      throw new UserError(`${file} is not valid XML (${error.message}); fix the file and run again`);
    }
    throw error;
  }
  if (root.name !== 'Project') {
    throw new UserError(`${file} is not an MSBuild project file (its root element is <${root.name}>, not <Project>)`);
  }
  const loaded = { path: file, text, root };
  cache.set(file, { stamp, file: loaded });
  return loaded;
}

export function findUpwards(startDir: string, fileName: string, stopAt?: string): string | undefined {
  let dir = startDir;
  for (;;) {
    const candidate = path.join(dir, fileName);
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir || (stopAt && dir === stopAt)) return undefined;
    dir = parent;
  }
}

export function readMsbuildProject(projectPath: string): MsbuildProject {
  const dir = path.dirname(projectPath);
  const name = path.basename(projectPath).replace(/\.[^.]+$/, '');
  const properties = new Map<string, PropertySetting>();
  const targetFrameworkSettings: PropertySetting[] = [];
  const files: MsbuildFile[] = [];
  const packages: PackageReference[] = [];
  const projectReferences: string[] = [];
  const builtins = (file: string): Record<string, string> => ({
    msbuildthisfiledirectory: path.dirname(file) + path.sep,
    msbuildprojectdirectory: dir,
    msbuildprojectname: name,
  });

  const evaluate = (raw: string, file: string): string =>
    raw.replace(/\$\(([A-Za-z_][\w.]*)\)/g, (whole, prop: string) => {
      const key = prop.toLowerCase();
      const builtin = builtins(file)[key];
      if (builtin !== undefined) return builtin;
      return properties.get(key)?.value ?? '';
    });

  const visit = (file: string, seen: Set<string>): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const loaded = loadMsbuildFile(file);
    files.push(loaded);
    const walk = (element: XmlElement, conditional: boolean): void => {
      for (const child of element.children) {
        const childConditional = conditional || attr(child, 'Condition') !== undefined;
        if (child.name === 'PropertyGroup') {
          for (const prop of child.children) {
            const raw = textOf(loaded.text, prop).trim();
            const setting: PropertySetting = {
              name: prop.name,
              raw,
              value: evaluate(raw, file),
              file,
              element: prop,
              conditional: childConditional || attr(prop, 'Condition') !== undefined,
            };
            properties.set(prop.name.toLowerCase(), setting);
            if (/^TargetFrameworks?$/i.test(prop.name)) targetFrameworkSettings.push(setting);
          }
        } else if (child.name === 'ItemGroup') {
          for (const item of child.children) {
            if (item.name === 'PackageReference') {
              const id = attr(item, 'Include') ?? attr(item, 'Update');
              if (!id) continue;
              const versionElement = item.children.find((c) => /^(Version|VersionOverride)$/i.test(c.name));
              const versionRaw =
                attr(item, 'VersionOverride') ?? attr(item, 'Version') ??
                (versionElement ? textOf(loaded.text, versionElement).trim() : undefined);
              packages.push({
                id,
                file,
                versionElement: versionRaw === undefined ? undefined : versionElement ?? item,
                versionRaw,
                version: versionRaw === undefined ? undefined : evaluate(versionRaw, file),
                versionFile: versionRaw === undefined ? undefined : file,
              });
            } else if (item.name === 'ProjectReference') {
              const include = attr(item, 'Include');
              if (include) projectReferences.push(path.resolve(path.dirname(file), toPosix(evaluate(include, file))));
            }
          }
        } else if (child.name === 'Import') {
          const target = attr(child, 'Project');
          if (target && !attr(child, 'Sdk')) {
            const resolved = path.resolve(path.dirname(file), toPosix(evaluate(target, file)));
            if (existsSync(resolved)) visit(resolved, seen);
          }
        } else if (child.name === 'Choose' || child.name === 'When' || child.name === 'Otherwise') {
          walk(child, true);
        }
      }
    };
    walk(loaded.root, false);
  };

  const seen = new Set<string>();
  const directoryBuildProps = findUpwards(dir, 'Directory.Build.props');
  if (directoryBuildProps) visit(directoryBuildProps, seen);
  visit(projectPath, seen);

  const main = loadMsbuildFile(projectPath);
  const isWeb = isWebSdk(main);

  let centralPackages: MsbuildProject['centralPackages'];
  const cpmEnabled = properties.get('managepackageversionscentrally')?.value.toLowerCase() === 'true';
  const packagesProps = findUpwards(dir, 'Directory.Packages.props');
  if (packagesProps) {
    const cpm = loadMsbuildFile(packagesProps);
    // Directory.Packages.props may itself turn CPM on, and define properties its versions use.
    const cpmProps = new Map<string, string>();
    for (const element of descendants(cpm.root)) {
      if (element.parent?.name === 'PropertyGroup') {
        cpmProps.set(element.name.toLowerCase(), textOf(cpm.text, element).trim());
      }
    }
    const enabled = cpmEnabled || cpmProps.get('managepackageversionscentrally')?.toLowerCase() === 'true';
    centralPackages = { file: packagesProps, enabled };
    if (enabled) {
      if (!files.includes(cpm)) files.push(cpm);
      const evalCpm = (raw: string): string =>
        raw.replace(/\$\(([A-Za-z_][\w.]*)\)/g, (_w, prop: string) =>
          cpmProps.get(prop.toLowerCase()) ?? properties.get(prop.toLowerCase())?.value ?? '');
      const versions = new Map<string, { raw: string; element: XmlElement }>();
      for (const element of descendants(cpm.root)) {
        if (element.name !== 'PackageVersion') continue;
        const id = attr(element, 'Include') ?? attr(element, 'Update');
        const raw = attr(element, 'Version');
        if (id && raw !== undefined) versions.set(id.toLowerCase(), { raw, element });
      }
      for (const ref of packages) {
        if (ref.versionRaw !== undefined) continue;
        const central = versions.get(ref.id.toLowerCase());
        if (central === undefined) continue;
        const raw = central.raw;
        ref.versionElement = central.element;
        ref.versionRaw = raw;
        ref.version = evalCpm(raw);
        ref.versionFile = packagesProps;
      }
    }
  }

  return {
    path: projectPath,
    dir,
    name,
    isWeb,
    files,
    properties,
    targetFrameworkSettings,
    packages,
    projectReferences,
    centralPackages,
  };
}

export function isWebSdk(file: MsbuildFile): boolean {
  const sdkAttr = attr(file.root, 'Sdk') ?? '';
  if (/Microsoft\.NET\.Sdk\.Web/i.test(sdkAttr)) return true;
  for (const element of descendants(file.root)) {
    if ((element.name === 'Sdk' || element.name === 'Import') && /Microsoft\.NET\.Sdk\.Web/i.test(attr(element, 'Name') ?? attr(element, 'Sdk') ?? '')) {
      return true;
    }
  }
  return false;
}

export function targetFrameworks(project: MsbuildProject): string[] {
  const last = project.targetFrameworkSettings[project.targetFrameworkSettings.length - 1];
  if (!last) return [];
  return last.value.split(';').map((s) => s.trim()).filter(Boolean);
}

function toPosix(p: string): string {
  return p.replace(/\\/g, '/');
}
