/**
 * Retargets the project to .NET 10: TargetFramework(s) wherever set (project, Directory.Build.props, imported
 * props), the ASP.NET Core / EF Core / provider packages to the newest 10.0.x the project's NuGet sources offer
 * (or a pinned or built-in version), and global.json's SDK pin. Every edit splices the exact range of a value, so
 * formatting, comments and every other element stay byte for byte.
 */
import path from 'node:path';
import { UserError } from '../core/errors.js';
import { BUILTIN_EF_VERSION } from './passkey-migration.js';
import { compareVersions, newestOfMajor, noneAnswering, nugetSources, packageVersions } from '../read/nuget.js';
import { loadMsbuildFile, targetFrameworks, type MsbuildProject, type PackageReference, type PropertySetting } from '../read/project/msbuild.js';
import { descendants, textOf } from '../read/project/xml.js';
import { ORACLE_MYSQL, ORACLE_MYSQL_BUILTIN, POMELO } from './mysql-switch.js';
import type { ProjectFacts } from '../read/project/index.js';
import { applyEdits, type TextEdit } from './file-change.js';
import { restoreStaged } from './restore-check.js';
import type { StagedTree } from './tree.js';

export const TARGET_FRAMEWORK = 'net10.0';
export const SDK_PIN = '10.0.100';

/** Known-good versions when no source answers (the newest this project was proven with). */
const BUILTIN_VERSIONS: Record<string, string> = {
  'npgsql.entityframeworkcore.postgresql': '10.0.1',
};

const UPDATED =
  /^(Microsoft\.AspNetCore\.|Microsoft\.EntityFrameworkCore(\.|$)|Microsoft\.Extensions\.Identity\.|Npgsql\.EntityFrameworkCore\.PostgreSQL$|Pomelo\.EntityFrameworkCore\.MySql$|MySql\.EntityFrameworkCore$)/i;
const MICROSOFT = /^Microsoft\./i;

export interface RetargetResult {
  packages: { id: string; from: string; to: string; source: string; renamedTo?: string }[];
  notes: string[];
}

interface PendingEdit {
  file: string;
  edit: TextEdit;
}

export async function planRetarget(
  facts: ProjectFacts,
  tree: StagedTree,
  options: { aspnetVersion?: string; offline?: boolean; switchMysqlProvider?: boolean },
): Promise<RetargetResult> {
  const projects: MsbuildProject[] = [facts.msbuild, ...facts.references];
  const edits: PendingEdit[] = [];
  const notes: string[] = [];
  const rel = (file: string) => path.relative(facts.located.root, file).split(path.sep).join('/') || file;

  // Target frameworks: what MSBuild evaluated decides; every literal setting below 10 is moved, and the one that
  // gives the evaluated value must be among them (or a property it names, wherever that is set).
  const seen = new Set<string>();
  const frameworkEdit = (setting: PropertySetting): void => {
    const key = `${setting.file}:${setting.element.openEnd}`;
    if (seen.has(key) || /\$\(/.test(setting.raw)) return;
    seen.add(key);
    const frameworks = setting.raw
      .split(';')
      .map((f) => f.trim())
      .filter(Boolean);
    const next = [...new Set(frameworks.map((f) => (/^net\d+\.\d+$/.test(f) && Number(f.slice(3).split('.')[0]) < 10 ? TARGET_FRAMEWORK : f)))];
    const value = next.join(';');
    if (value === setting.raw) return;
    const inner = textOf(loadMsbuildFile(setting.file).text, setting.element);
    const lead = inner.length - inner.trimStart().length;
    edits.push({ file: setting.file, edit: { at: setting.element.openEnd + lead, end: setting.element.openEnd + lead + setting.raw.length, text: value } });
  };
  for (const project of projects) {
    const frameworks = targetFrameworks(project);
    for (const setting of project.targetFrameworkSettings) frameworkEdit(setting);
    if (!frameworks.some((f) => /^net\d+\.\d+$/.test(f) && Number(f.slice(3).split('.')[0]) < 10)) continue;
    const name = project.evaluated.TargetFrameworks ? 'targetframeworks' : 'targetframework';
    const winner = project.properties.get(name);
    const through = winner?.located ? /^\$\(([\w.]+)\)$/.exec(winner.raw)?.[1] : undefined;
    const source = through ? project.properties.get(through.toLowerCase()) : winner;
    if (!source?.located || /\$\(/.test(source.raw)) {
      throw new UserError(
        `${project.name}: ${winner?.name ?? 'TargetFramework'} evaluates to ${frameworks.join(';')}, but passkey-migrate found no element that sets it to that value${winner ? ` (the last one, ${rel(winner.file)}:${lineOf(winner)}, says "${winner.raw}")` : ''}`,
        { hint: `set it to ${TARGET_FRAMEWORK} where it is defined (a property, a condition or a file outside the project), or pass --skip-retarget and retarget by hand` },
      );
    }
    frameworkEdit(source);
  }

  // Packages
  const packages: RetargetResult['packages'] = [];
  const updated = projects.flatMap((p) => p.packages).filter((p) => UPDATED.test(p.id) && p.version !== undefined);
  const unlocated = updated.find((p) => p.versionRaw === undefined || !p.versionElement);
  if (unlocated) {
    throw new UserError(`${unlocated.id} ${unlocated.version} (in ${rel(unlocated.file)}): passkey-migrate found no element that sets its version`, {
      hint: 'set its version to a 10.0.x where it is defined, or pass --skip-retarget and retarget by hand',
    });
  }
  const refs = updated;
  const sources = options.offline ? [] : nugetSources(facts.msbuild.dir);
  const versionFor = new Map<string, { version: string; source: string }>();
  const legacyIds = new Set<string>();
  for (const id of new Set(refs.map((r) => r.id.toLowerCase()))) {
    const ref = refs.find((r) => r.id.toLowerCase() === id)!;
    // Already on 10.x everywhere: kept as it is, and no package source is asked (a newer patch is the app's
    // choice, not a pending change; a check must not wait on the network for it).
    const same = refs.filter((r) => r.id.toLowerCase() === id);
    if (!(options.aspnetVersion && MICROSOFT.test(ref.id)) && same.every((r) => Number((r.version ?? '').split('.')[0]) === 10 && r.version === ref.version)) {
      versionFor.set(id, { version: ref.version!, source: 'kept' });
      continue;
    }
    const lookup = sources.length ? await packageVersions(ref.id, sources) : { versions: [], answered: [], failed: [] };
    // An ASP.NET Core 2.x package (Microsoft.AspNetCore.Antiforgery 2.2.0): part of the shared framework since 3.0,
    // never published for 10; the reference keeps resolving as it is.
    const legacy = /^Microsoft\.AspNetCore\./i.test(ref.id) && Number((ref.version ?? '').split('.')[0]) < 3;
    if (legacy && !newestOfMajor(lookup.versions, 10)) {
      notes.push(`${ref.id} ${ref.version} is part of the ASP.NET Core shared framework since 3.0 and has no 10.x package: left as it is (the reference can go)`);
      legacyIds.add(id);
      continue;
    }
    if (options.aspnetVersion && MICROSOFT.test(ref.id)) {
      // A pinned version must exist where the project restores from (when a source can tell).
      if (lookup.answered.length > 0 && !lookup.versions.includes(options.aspnetVersion)) {
        const newest = newestOfMajor(lookup.versions, 10);
        throw new UserError(
          `--aspnet-version ${options.aspnetVersion}: ${ref.id} ${options.aspnetVersion} is not on ${lookup.answered.join(', ')} (the project's NuGet sources)${newest ? `; the newest 10.x there is ${newest}` : ''}`,
          {
            hint: newest ? `pass --aspnet-version ${newest}, or leave it out` : 'add a NuGet source that has it',
          },
        );
      }
      if (lookup.answered.length === 0)
        notes.push(`--aspnet-version ${options.aspnetVersion} was not checked against a NuGet source (${options.offline ? '--offline' : 'none answered'})`);
      versionFor.set(id, { version: options.aspnetVersion, source: '--aspnet-version' });
      continue;
    }
    if (/^pomelo\.entityframeworkcore\.mysql$/i.test(ref.id) && options.switchMysqlProvider) {
      // --switch-mysql-provider: the id becomes Oracle's (idEdits below), the version its newest 10.x.
      const oracle = sources.length ? await packageVersions(ORACLE_MYSQL, sources) : { versions: [], answered: [], failed: [] };
      const version = newestOfMajor(oracle.versions, 10);
      if (!version && oracle.answered.length > 0) {
        throw new UserError(`--switch-mysql-provider: ${ORACLE_MYSQL} has no 10.0.x version on ${oracle.answered.join(', ')} (the project's NuGet sources)`, {
          hint: 'add a NuGet source that has it',
        });
      }
      versionFor.set(id, version ? { version, source: oracle.answered.join(', ') } : { version: ORACLE_MYSQL_BUILTIN, source: 'built-in (no NuGet source answered)' });
      continue;
    }
    const newest = newestOfMajor(lookup.versions, 10);
    if (newest) {
      versionFor.set(id, { version: newest, source: lookup.answered.join(', ') });
    } else if (/^pomelo\.entityframeworkcore\.mysql$/i.test(ref.id)) {
      throw pomeloHasNoEf10(ref.id, lookup.answered, lookup.versions, oracleOn(lookup.answered.length ? await packageVersions(ORACLE_MYSQL, sources) : null));
    } else if (lookup.answered.length > 0) {
      throw new UserError(`${ref.id} has no 10.0.x version on ${lookup.answered.join(', ')} (the project's NuGet sources); .NET 10's Identity needs one`, {
        hint: 'add a NuGet source that has it, or pin with --aspnet-version',
      });
    } else {
      const builtin = MICROSOFT.test(ref.id) ? BUILTIN_EF_VERSION : BUILTIN_VERSIONS[id];
      if (!builtin)
        throw new UserError(`no NuGet source answered for ${ref.id}, and passkey-migrate knows no good 10.0 version of it`, { hint: 'check nuget.config and the network' });
      versionFor.set(id, { version: builtin, source: 'built-in (no NuGet source answered)' });
      notes.push(`no NuGet source answered: ${ref.id} set to the known-good ${builtin}`);
    }
  }
  // One edit per place a version is written; every package whose evaluated version changes is listed, also
  // those that move because the property they share moves.
  const editsAt = new Map<string, { edit: PendingEdit; version: string; by: string }>();
  for (const ref of refs) {
    if (legacyIds.has(ref.id.toLowerCase())) continue;
    const target = versionFor.get(ref.id.toLowerCase())!;
    if (ref.version === target.version) continue;
    const edit = versionEdit(ref, target.version, projects);
    if (!edit) {
      throw new UserError(
        `the version of ${ref.id} is written as "${ref.versionRaw}" in ${rel(ref.versionFile ?? ref.file)}, which passkey-migrate cannot set to ${target.version}`,
        {
          hint: `set it to ${target.version} yourself (or pass --skip-retarget)`,
        },
      );
    }
    const key = `${edit.file}:${edit.edit.at}`;
    const prior = editsAt.get(key);
    if (prior && prior.version !== target.version) {
      throw new UserError(
        `${ref.id} and ${prior.by} share their version (${ref.versionRaw} in ${rel(edit.file)}) but need different 10.x versions (${target.version}, ${prior.version})`,
        {
          hint: 'give them separate version properties, or pin both with --aspnet-version',
        },
      );
    }
    if (!prior) {
      editsAt.set(key, { edit, version: target.version, by: ref.id });
      edits.push(edit);
    }
    const switched = options.switchMysqlProvider && ref.id.toLowerCase() === POMELO.toLowerCase();
    if (!packages.some((p) => p.id.toLowerCase() === ref.id.toLowerCase()))
      packages.push({ id: ref.id, from: ref.version ?? '?', to: target.version, source: target.source, ...(switched ? { renamedTo: ORACLE_MYSQL } : {}) });
  }
  if (options.switchMysqlProvider) edits.push(...packageIdEdits(projects, POMELO, ORACLE_MYSQL));

  // NuGet's verdict on the retargeted graph: pins below what the .NET 10 packages need are raised to that.
  if (!options.offline && edits.length > 0 && noneAnswering(sources)) {
    notes.push('no NuGet source answered, so dotnet restore did not check the retargeted package graph; the build will');
  } else if (!options.offline && edits.length > 0) {
    const allRefs = projects.flatMap((p) => p.packages);
    for (let round = 0; ; round++) {
      const staged = new Map<string, string>();
      for (const file of new Set(projects.flatMap((p) => p.files.map((f) => f.path)))) {
        staged.set(
          file,
          applyEdits(
            loadMsbuildFile(file).text,
            edits.filter((e) => e.file === file).map((e) => e.edit),
          ),
        );
      }
      const verdict = await restoreStaged(facts.msbuild.path, staged);
      if (verdict.problem) {
        notes.push(`dotnet restore of the retargeted project could not check the package graph (${verdict.problem}); the build will`);
        break;
      }
      if (verdict.downgrades.length === 0) break;
      if (round === 3) {
        throw new UserError(
          `the retargeted project still has package downgrades after raising pins three times (${verdict.downgrades.map((d) => `${d.id} ${d.pinned} < ${d.required}`).join(', ')})`,
          {
            hint: 'raise those versions yourself, or pass --skip-retarget and retarget by hand',
          },
        );
      }
      for (const d of verdict.downgrades) {
        const by = d.neededBy ?? 'a .NET 10 package';
        const ref = allRefs.find((r) => r.id.toLowerCase() === d.id.toLowerCase() && r.versionElement);
        const edit = ref ? versionEdit(ref, d.required, projects) : null;
        if (!ref || !edit) {
          throw new UserError(
            `${d.id} is pinned to ${d.pinned}${ref ? ` in ${rel(ref.versionFile ?? ref.file)}` : ''}, but ${by} needs ${d.required} or later (NuGet NU1605), and passkey-migrate cannot set that version`,
            {
              hint: `raise ${d.id} to ${d.required} where it is set, then run again`,
            },
          );
        }
        const key = `${edit.file}:${edit.edit.at}`;
        const prior = editsAt.get(key);
        if (prior) {
          if (compareVersions(prior.version, d.required) >= 0) continue;
          edits.splice(edits.indexOf(prior.edit), 1);
        }
        editsAt.set(key, { edit, version: d.required, by: d.id });
        edits.push(edit);
        const listed = packages.find((p) => p.id.toLowerCase() === d.id.toLowerCase());
        if (listed) listed.to = compareVersions(listed.to, d.required) < 0 ? d.required : listed.to;
        else packages.push({ id: ref.id, from: d.pinned, to: d.required, source: `needed by ${by} (NuGet NU1605)` });
      }
    }
  }

  // Files: the offsets were taken from the text the project was read from, which must still be the staged text.
  for (const file of new Set(edits.map((e) => e.file))) {
    const read = loadMsbuildFile(file).text;
    if (tree.read(file) !== read) throw new Error(`${file} was changed by an earlier step of the plan; retarget must run first`);
    tree.write(
      file,
      applyEdits(
        read,
        edits.filter((e) => e.file === file).map((e) => e.edit),
      ),
      'retarget to .NET 10',
    );
  }
  if (facts.sdkPin?.version && Number(facts.sdkPin.version.split('.')[0]) < 10) {
    await stageGlobalJson(tree, facts.sdkPin.file, facts.sdkPin.rollForward);
  }
  return { packages, notes };
}

/** The edits that rename a package wherever an item names it (PackageReference, PackageVersion, Include or Update). */
function packageIdEdits(projects: MsbuildProject[], from: string, to: string): PendingEdit[] {
  const edits: PendingEdit[] = [];
  const files = new Set(projects.flatMap((p) => p.files.map((f) => f.path)));
  for (const file of files) {
    const { text, root } = loadMsbuildFile(file);
    for (const element of descendants(root)) {
      if (!/^(PackageReference|PackageVersion|GlobalPackageReference)$/.test(element.name)) continue;
      const startTag = text.slice(element.start, element.openEnd);
      const match = /\b(Include|Update)\s*=\s*(["'])([^"']*)\2/.exec(startTag);
      if (!match || match[3]!.trim().toLowerCase() !== from.toLowerCase()) continue;
      const at = element.start + match.index + match[0].length - 1 - match[3]!.length;
      edits.push({ file, edit: { at, end: at + match[3]!.length, text: to } });
    }
  }
  return edits;
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

function propertyEdit(name: string, version: string, _cpmFile: string, projects: MsbuildProject[]): PendingEdit | null {
  // The setting MSBuild used for the property (located), in any project's imported files.
  const target = projects.map((p) => p.properties.get(name.toLowerCase())).find((s) => s?.located);
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

function lineOf(setting: PropertySetting): number {
  return loadMsbuildFile(setting.file).text.slice(0, setting.element.start).split('\n').length;
}

/**
 * MySQL/MariaDB through Pomelo: no EF Core 10 release exists, and Pomelo 9 does not run on EF Core 10. What we
 * tried and found is in docs/mysql.md (Oracle's MySql.EntityFrameworkCore 10.0.12 cannot map Identity's JSON
 * passkey data; mapped as columns it works); the refusal says what the user can do today.
 */
function pomeloHasNoEf10(id: string, answered: string[], versions: string[], oracle: string): UserError {
  const where = answered.length
    ? `on ${answered.join(', ')} (the project's NuGet sources${versions.length ? `: ${versions.slice(-3).join(', ')}` : ''})`
    : '(no NuGet source was asked or answered)';
  return new UserError(
    `${id} has no EF Core 10 release ${where}, and Identity's passkeys (schema Version3) need EF Core 10; Pomelo 9 does not run on it. ` +
      `Pass --switch-mysql-provider to move the app to Oracle's ${ORACLE_MYSQL} ${oracle}`,
    {
      code: 'mysql-provider',
      hint:
        "the switch renames the package, rewrites UseMySql(...) as UseMySQL(...) and Pomelo's calls in the migrations, keeps DateTimeOffset columns as datetime(6), and maps the passkey data as columns " +
        "(Oracle's provider cannot map Identity's JSON passkey data, dotnet/aspnetcore#64939); docs/mysql.md has the trade-offs. Or keep Pomelo and follow PomeloFoundation/Pomelo.EntityFrameworkCore.MySql#2007",
    },
  );
}

function oracleOn(lookup: { versions: string[] } | null): string {
  return (lookup && newestOfMajor(lookup.versions, 10)) ?? ORACLE_MYSQL_BUILTIN;
}
