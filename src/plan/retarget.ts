/**
 * Retargets the project to .NET 10: TargetFramework(s) wherever set (project, Directory.Build.props, imported
 * props), the ASP.NET Core / EF Core / provider packages to the newest 10.0.x the project's NuGet sources offer
 * (or a pinned or built-in version), and global.json's SDK pin. Every edit splices the exact range of a value, so
 * formatting, comments and every other element stay byte for byte.
 */
import { UserError } from '../core/errors.js';
import { BUILTIN_EF_VERSION } from './passkey-migration.js';
import { newestOfMajor, nugetSources, packageVersions } from '../read/nuget.js';
import { loadMsbuildFile, type MsbuildProject, type PackageReference } from '../read/project/msbuild.js';
import { descendants, textOf, type XmlElement } from '../read/project/xml.js';
import type { ProjectFacts } from '../read/project/index.js';
import { applyEdits, type TextEdit } from './file-change.js';
import type { StagedTree } from './tree.js';

export const TARGET_FRAMEWORK = 'net10.0';
export const SDK_PIN = '10.0.100';

/** Known-good versions when no source answers (the newest this project was proven with). */
const BUILTIN_VERSIONS: Record<string, string> = {
  'npgsql.entityframeworkcore.postgresql': '10.0.1',
};

const UPDATED = /^(Microsoft\.AspNetCore\.|Microsoft\.EntityFrameworkCore(\.|$)|Microsoft\.Extensions\.Identity\.|Npgsql\.EntityFrameworkCore\.PostgreSQL$|Pomelo\.EntityFrameworkCore\.MySql$|MySql\.EntityFrameworkCore$)/i;
const MICROSOFT = /^Microsoft\./i;

export interface RetargetResult {
  packages: { id: string; from: string; to: string; source: string }[];
  notes: string[];
}

interface PendingEdit {
  file: string;
  edit: TextEdit;
}

export async function planRetarget(facts: ProjectFacts, tree: StagedTree, options: { aspnetVersion?: string; offline?: boolean }): Promise<RetargetResult> {
  const projects: MsbuildProject[] = [facts.msbuild, ...facts.references];
  const edits: PendingEdit[] = [];
  const notes: string[] = [];

  // Target frameworks
  const seen = new Set<string>();
  for (const project of projects) {
    for (const setting of project.targetFrameworkSettings) {
      const key = `${setting.file}:${setting.element.openEnd}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (/\$\(/.test(setting.raw)) {
        notes.push(`${setting.name} in ${setting.file} is set through a property (${setting.raw}); set it to ${TARGET_FRAMEWORK} yourself`);
        continue;
      }
      const frameworks = setting.raw.split(';').map((s) => s.trim()).filter(Boolean);
      const next = [...new Set(frameworks.map((f) => (/^net\d+\.\d+$/.test(f) && Number(f.slice(3).split('.')[0]) < 10 ? TARGET_FRAMEWORK : f)))];
      const value = next.join(';');
      if (value !== setting.raw) {
        const inner = textOf(loadMsbuildFile(setting.file).text, setting.element);
        const lead = inner.length - inner.trimStart().length;
        edits.push({ file: setting.file, edit: { at: setting.element.openEnd + lead, end: setting.element.openEnd + lead + setting.raw.length, text: value } });
      }
    }
  }

  // Packages
  const packages: RetargetResult['packages'] = [];
  const refs = projects.flatMap((p) => p.packages).filter((p) => UPDATED.test(p.id) && p.versionRaw !== undefined && p.versionElement);
  const sources = options.offline ? [] : nugetSources(facts.msbuild.dir);
  const versionFor = new Map<string, { version: string; source: string }>();
  for (const id of new Set(refs.map((r) => r.id.toLowerCase()))) {
    const ref = refs.find((r) => r.id.toLowerCase() === id)!;
    const lookup = sources.length ? await packageVersions(ref.id, sources) : { versions: [], answered: [], failed: [] };
    if (options.aspnetVersion && MICROSOFT.test(ref.id)) {
      // A pinned version must exist where the project restores from (when a source can tell).
      if (lookup.answered.length > 0 && !lookup.versions.includes(options.aspnetVersion)) {
        const newest = newestOfMajor(lookup.versions, 10);
        throw new UserError(`--aspnet-version ${options.aspnetVersion}: ${ref.id} ${options.aspnetVersion} is not on ${lookup.answered.join(', ')} (the project's NuGet sources)${newest ? `; the newest 10.x there is ${newest}` : ''}`, {
          hint: newest ? `pass --aspnet-version ${newest}, or leave it out` : 'add a NuGet source that has it',
        });
      }
      if (lookup.answered.length === 0) notes.push(`--aspnet-version ${options.aspnetVersion} was not checked against a NuGet source (${options.offline ? '--offline' : 'none answered'})`);
      versionFor.set(id, { version: options.aspnetVersion, source: '--aspnet-version' });
      continue;
    }
    const newest = newestOfMajor(lookup.versions, 10);
    if (newest) {
      versionFor.set(id, { version: newest, source: lookup.answered.join(', ') });
    } else if (lookup.answered.length > 0) {
      throw new UserError(`${ref.id} has no 10.0.x version on ${lookup.answered.join(', ')} (the project's NuGet sources); .NET 10's Identity needs one`, {
        hint: /pomelo/i.test(ref.id) ? 'wait for Pomelo.EntityFrameworkCore.MySql 10, or add a source that has it' : 'add a NuGet source that has it, or pin with --aspnet-version',
      });
    } else {
      const builtin = MICROSOFT.test(ref.id) ? BUILTIN_EF_VERSION : BUILTIN_VERSIONS[id];
      if (!builtin) throw new UserError(`no NuGet source answered for ${ref.id}, and passkey-migrate knows no good 10.0 version of it`, { hint: 'check nuget.config and the network' });
      versionFor.set(id, { version: builtin, source: 'built-in (no NuGet source answered)' });
      notes.push(`no NuGet source answered: ${ref.id} set to the known-good ${builtin}`);
    }
  }
  const propertyEdits = new Set<string>();
  for (const ref of refs) {
    const target = versionFor.get(ref.id.toLowerCase())!;
    if (ref.version === target.version) continue;
    const edit = versionEdit(ref, target.version, projects);
    if (!edit) {
      notes.push(`the version of ${ref.id} (${ref.versionRaw}) is not a plain value; set it to ${target.version} yourself`);
      continue;
    }
    const key = `${edit.file}:${edit.edit.at}`;
    if (propertyEdits.has(key)) continue;
    propertyEdits.add(key);
    edits.push(edit);
    if (!packages.some((p) => p.id === ref.id)) packages.push({ id: ref.id, from: ref.version ?? '?', to: target.version, source: target.source });
  }

  // Files: the offsets were taken from the text the project was read from, which must still be the staged text.
  for (const file of new Set(edits.map((e) => e.file))) {
    const read = loadMsbuildFile(file).text;
    if (tree.read(file) !== read) throw new Error(`${file} was changed by an earlier step of the plan; retarget must run first`);
    tree.write(file, applyEdits(read, edits.filter((e) => e.file === file).map((e) => e.edit)), 'retarget to .NET 10');
  }
  if (facts.sdkPin?.version && Number(facts.sdkPin.version.split('.')[0]) < 10) {
    await stageGlobalJson(tree, facts.sdkPin.file, facts.sdkPin.rollForward);
  }
  return { packages, notes };
}

/** The edit that sets a package's version where it is written: an attribute, a child element, or a property. */
function versionEdit(ref: PackageReference, version: string, projects: MsbuildProject[]): PendingEdit | null {
  const element = ref.versionElement!;
  const file = ref.versionFile!;
  const text = loadMsbuildFile(file).text;
  const property = /^\$\(([\w.]+)\)$/.exec(ref.versionRaw ?? '');
  if (property) return propertyEdit(property[1]!, version, file, projects);
  if (!/\$\(/.test(ref.versionRaw ?? '') && (element.name === 'Version' || element.name === 'VersionOverride')) {
    const inner = textOf(text, element);
    const lead = inner.length - inner.trimStart().length;
    return { file, edit: { at: element.openEnd + lead, end: element.openEnd + lead + inner.trim().length, text: version } };
  }
  const startTag = text.slice(element.start, element.openEnd);
  const match = /\b(VersionOverride|Version)\s*=\s*(["'])([^"']*)\2/.exec(startTag);
  if (!match || /\$\(/.test(match[3]!)) return null;
  const at = element.start + match.index + match[0].length - 1 - match[3]!.length;
  return { file, edit: { at, end: at + match[3]!.length, text: version } };
}

function propertyEdit(name: string, version: string, cpmFile: string, projects: MsbuildProject[]): PendingEdit | null {
  const candidates: { file: string; element: XmlElement }[] = [];
  for (const el of descendants(loadMsbuildFile(cpmFile).root)) if (el.parent?.name === 'PropertyGroup' && el.name.toLowerCase() === name.toLowerCase()) candidates.push({ file: cpmFile, element: el });
  for (const p of projects) {
    const setting = p.properties.get(name.toLowerCase());
    if (setting) candidates.push({ file: setting.file, element: setting.element });
  }
  const target = candidates[candidates.length - 1];
  if (!target) return null;
  const text = loadMsbuildFile(target.file).text;
  const inner = textOf(text, target.element);
  if (/\$\(/.test(inner)) return null;
  const lead = inner.length - inner.trimStart().length;
  return { file: target.file, edit: { at: target.element.openEnd + lead, end: target.element.openEnd + lead + inner.trim().length, text: version } };
}

async function stageGlobalJson(tree: StagedTree, file: string, rollForward: string | null): Promise<void> {
  const { modify, applyEdits: applyJsonEdits } = await import('jsonc-parser');
  const before = tree.read(file);
  const formattingOptions = { insertSpaces: true, tabSize: 2 };
  let after = applyJsonEdits(before, modify(before, ['sdk', 'version'], SDK_PIN, { formattingOptions }));
  // A pin that forbids moving past the feature band would refuse every 10.0 SDK but 10.0.100's band.
  if (rollForward && /^(disable|patch|latestPatch)$/.test(rollForward)) {
    after = applyJsonEdits(after, modify(after, ['sdk', 'rollForward'], 'latestFeature', { formattingOptions }));
  }
  tree.write(file, after, 'SDK pin for .NET 10');
}
