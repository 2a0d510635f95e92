/**
 * A project as MSBuild sees it: every value (target frameworks, package versions, properties, references) comes
 * from the SDK's own evaluation (evaluate.ts); the XML of the files the evaluation imported is read only to
 * locate the exact text that sets each value, so the planners can splice it and keep every other byte. A value
 * MSBuild evaluated but no element in those files sets literally is reported as such ("not located"), never
 * guessed.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../../core/errors.js';
import { readText } from '../text.js';
import type { EvaluatedProject } from './evaluate.js';
import { attr, descendants, parseXml, textOf, type XmlElement, XmlSyntaxError } from './xml.js';

export interface MsbuildFile {
  path: string;
  text: string;
  root: XmlElement;
}

export interface PropertySetting {
  name: string;
  /** the text as written, e.g. "$(AspNetVersion)" */
  raw: string;
  /** what MSBuild evaluated the property to (for the winning setting); the literal text for the others */
  value: string;
  file: string;
  element: XmlElement;
  conditional: boolean;
  /** this element's text gives the value MSBuild evaluated (false: the value comes from elsewhere) */
  located?: boolean;
}

export interface PackageReference {
  id: string;
  /** the element that carries the version: the PackageReference (attribute or child) or the PackageVersion */
  versionElement?: XmlElement;
  /** the evaluated version */
  version?: string;
  /** where the version is written: the PackageReference itself, or a PackageVersion (central package management) */
  versionFile?: string;
  /** the version as written there (a literal or "$(Property)") */
  versionRaw?: string;
  /** the file with the PackageReference */
  file: string;
}

export interface MsbuildProject {
  path: string;
  dir: string;
  name: string;
  isWeb: boolean;
  /** every project file the evaluation imported (not the SDK's), in evaluation order */
  files: MsbuildFile[];
  /** evaluated properties, lower-cased names; each with the element that sets it when one of files does */
  properties: Map<string, PropertySetting>;
  /** the evaluated values of the properties passkey-migrate asks for, whether or not an element was located */
  evaluated: Record<string, string>;
  /** every TargetFramework/TargetFrameworks element in files, in evaluation order */
  targetFrameworkSettings: PropertySetting[];
  packages: PackageReference[];
  projectReferences: string[];
  /** namespaces every file of the project sees: MSBuild's global usings and the sources' `global using` lines */
  globalUsings: Set<string>;
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

function isConditional(element: XmlElement): boolean {
  for (let e: XmlElement | undefined = element; e; e = e.parent) {
    if (attr(e, 'Condition') !== undefined) return true;
  }
  return false;
}

/** `$(Name)` references in a value, substituted from the evaluated properties (for comparing with MSBuild). */
function substitute(raw: string, evaluated: Record<string, string>, local: Map<string, string>): string {
  return raw.replace(/\$\(([A-Za-z_][\w.]*)\)/g, (_whole, name: string) => local.get(name.toLowerCase()) ?? evaluated[name] ?? '');
}

export function readMsbuildProject(projectPath: string, evaluation: EvaluatedProject): MsbuildProject {
  const dir = path.dirname(projectPath);
  const name = path.basename(projectPath).replace(/\.[^.]+$/, '');
  const files = evaluation.imports.filter((f) => existsSync(f)).map(loadMsbuildFile);
  const evaluated = evaluation.properties;

  // Every property element of the imported files, in evaluation order; the last unconditional one of a name is
  // taken as the one MSBuild used when its text gives the evaluated value.
  const literal = new Map<string, string>();
  const all: PropertySetting[] = [];
  for (const file of files) {
    for (const element of descendants(file.root)) {
      if (element.parent?.name !== 'PropertyGroup') continue;
      const raw = textOf(file.text, element).trim();
      const setting: PropertySetting = { name: element.name, raw, value: substitute(raw, evaluated, literal), file: file.path, element, conditional: isConditional(element) };
      all.push(setting);
      if (!setting.conditional) literal.set(element.name.toLowerCase(), setting.value);
    }
  }
  // Per property: the last element whose text gives what MSBuild evaluated (the one it used); when none does,
  // the last element of that name, marked not located (its text does not explain the value).
  const properties = new Map<string, PropertySetting>();
  const evaluatedByKey = new Map(Object.entries(evaluated).map(([k, v]) => [k.toLowerCase(), v]));
  for (const setting of all) {
    const key = setting.name.toLowerCase();
    const value = evaluatedByKey.get(key);
    const located = value === undefined || setting.value === value;
    const prior = properties.get(key);
    if (prior?.located && !located) continue;
    properties.set(key, { ...setting, value: value ?? setting.value, located });
  }

  const packages: PackageReference[] = [];
  const versions = new Map(evaluation.packageVersions.map((v) => [v.identity.toLowerCase(), v]));
  const cpm = /^true$/i.test(evaluated.ManagePackageVersionsCentrally ?? '');
  for (const item of evaluation.packageReferences) {
    const ref: PackageReference = { id: item.identity, file: item.definingFile };
    const element = findItem(item.definingFile, 'PackageReference', item.identity);
    const override = item.metadata.VersionOverride;
    const own = item.metadata.Version;
    if (override || (own && !cpm)) {
      ref.version = override || own;
      ref.versionFile = item.definingFile;
      if (element) {
        const located = versionText(element, loadMsbuildFile(item.definingFile).text, override ? 'VersionOverride' : 'Version');
        if (located) {
          ref.versionElement = located.element;
          ref.versionRaw = located.raw;
        }
      }
    } else if (cpm) {
      const central = versions.get(item.identity.toLowerCase());
      if (central?.metadata.Version) {
        ref.version = central.metadata.Version;
        ref.versionFile = central.definingFile;
        const versionElement = findItem(central.definingFile, 'PackageVersion', central.identity);
        if (versionElement) {
          ref.versionElement = versionElement;
          ref.versionRaw =
            attr(versionElement, 'Version') ??
            textOf(loadMsbuildFile(central.definingFile).text, versionElement.children.find((c) => c.name === 'Version') ?? versionElement).trim();
        }
      }
    }
    packages.push(ref);
  }

  const targetFrameworkSettings = all.filter((s) => /^TargetFrameworks?$/i.test(s.name));
  const packagesProps = evaluation.packageVersions[0]?.definingFile ?? files.find((f) => /Directory\.Packages\.props$/i.test(f.path))?.path;
  return {
    path: projectPath,
    dir,
    name,
    isWeb: /^true$/i.test(evaluated.UsingMicrosoftNETSdkWeb ?? '') || isWebSdk(loadMsbuildFile(projectPath)),
    files,
    properties,
    evaluated,
    targetFrameworkSettings,
    packages,
    projectReferences: evaluation.projectReferences,
    globalUsings: new Set(evaluation.usings),
    centralPackages: packagesProps ? { file: packagesProps, enabled: cpm } : undefined,
  };
}

/** The element of an item (Include or Update) in a file, e.g. <PackageReference Include="X" />. */
function findItem(file: string, kind: string, id: string): XmlElement | undefined {
  if (!existsSync(file)) return undefined;
  const wanted = id.toLowerCase();
  let found: XmlElement | undefined;
  for (const element of descendants(loadMsbuildFile(file).root)) {
    if (element.name !== kind) continue;
    const include = (attr(element, 'Include') ?? attr(element, 'Update') ?? '').split(';').map((s) => s.trim().toLowerCase());
    if (include.includes(wanted)) found = element;
  }
  return found;
}

/** The version text of a PackageReference: its Version/VersionOverride attribute, or that child element. */
function versionText(element: XmlElement, text: string, name: 'Version' | 'VersionOverride'): { element: XmlElement; raw: string } | null {
  const value = attr(element, name);
  if (value !== undefined) return { element, raw: value };
  const child = element.children.find((c) => c.name.toLowerCase() === name.toLowerCase());
  return child ? { element: child, raw: textOf(text, child).trim() } : null;
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

/** The project's target frameworks, as MSBuild evaluated them. */
export function targetFrameworks(project: MsbuildProject): string[] {
  const value = project.evaluated.TargetFrameworks || project.evaluated.TargetFramework || '';
  return value
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean);
}
