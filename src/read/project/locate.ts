/**
 * From what the user pointed at (a folder, a .csproj, a .sln or .slnx) to the one ASP.NET Core web project.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../../core/errors.js';
import { readText } from '../text.js';
import { isWebSdk, loadMsbuildFile } from './msbuild.js';
import { attr, descendants, parseXml } from './xml.js';

export interface LocatedProject {
  /** the web project file */
  projectPath: string;
  /** the solution it was found through, if any */
  solutionPath?: string;
  /** the folder the user pointed at (or the folder of the file) */
  root: string;
}

const SKIP_DIRS = new Set(['bin', 'obj', 'node_modules', '.git', '.vs', '.idea', 'wwwroot']);

export function locateProject(input: string | undefined, cwd = process.cwd()): LocatedProject {
  const target = path.resolve(cwd, input ?? '.');
  if (!existsSync(target)) {
    throw new UserError(`${target} does not exist`, { hint: 'pass --project with a folder, .csproj, .sln or .slnx' });
  }
  const stats = statSync(target);
  if (stats.isFile()) {
    const ext = path.extname(target).toLowerCase();
    const root = path.dirname(target);
    if (ext === '.csproj') {
      const file = loadMsbuildFile(target);
      if (!isWebSdk(file)) {
        throw new UserError(`${path.basename(target)} is not an ASP.NET Core web project (its Sdk is not Microsoft.NET.Sdk.Web)`, {
          hint: 'pass --project with the web project that registers Identity',
        });
      }
      return { projectPath: target, root };
    }
    if (ext === '.sln' || ext === '.slnx') {
      return { ...chooseWebProject(solutionProjects(target), target), solutionPath: target, root };
    }
    throw new UserError(`${path.basename(target)} is not a .NET project (expected a folder, .csproj, .sln or .slnx)`);
  }

  const entries = readdirSync(target);
  const solutions = entries.filter((e) => /\.slnx?$/i.test(e)).map((e) => path.join(target, e));
  if (solutions.length === 1) {
    const solutionPath = solutions[0]!;
    return { ...chooseWebProject(solutionProjects(solutionPath), solutionPath), solutionPath, root: target };
  }
  if (solutions.length > 1) {
    throw new UserError(`several solution files in ${target}: ${solutions.map((s) => path.basename(s)).join(', ')}`, {
      hint: 'pass --project with the one to use',
    });
  }
  const projects = findProjects(target, 4);
  if (projects.length === 0) {
    throw new UserError(`${target} is not a .NET project: no .csproj, .sln or .slnx found`, {
      hint: 'run in the app folder or pass --project <dir|.csproj|.sln|.slnx>',
    });
  }
  return { ...chooseWebProject(projects, target), root: target };
}

function chooseWebProject(projects: string[], where: string): { projectPath: string } {
  const existing = projects.filter((p) => existsSync(p));
  const web = existing.filter((p) => isWebSdk(loadMsbuildFile(p)));
  if (web.length === 1) return { projectPath: web[0]! };
  if (web.length === 0) {
    throw new UserError(`no ASP.NET Core web project (Sdk="Microsoft.NET.Sdk.Web") in ${where}`, {
      hint: 'pass --project with the web project that registers Identity',
    });
  }
  // Several web projects: one that references Identity is the obvious choice; more than one is for the user.
  const withIdentity = web.filter((p) => /Microsoft\.AspNetCore\.Identity/i.test(loadMsbuildFile(p).text));
  if (withIdentity.length === 1) return { projectPath: withIdentity[0]! };
  const listed = (withIdentity.length > 1 ? withIdentity : web).map((p) => path.relative(process.cwd(), p) || p);
  throw new UserError(`several web projects found: ${listed.join(', ')}`, {
    hint: `pass --project with the one to migrate, e.g. --project ${listed[0]}`,
  });
}

export function solutionProjects(solutionPath: string): string[] {
  const dir = path.dirname(solutionPath);
  const text = readText(solutionPath);
  const found: string[] = [];
  if (solutionPath.toLowerCase().endsWith('.slnx')) {
    let root;
    try {
      root = parseXml(text);
    } catch (error) {
      throw new UserError(`${solutionPath} is not a valid .slnx file (${(error as Error).message})`);
    }
    for (const element of descendants(root)) {
      const p = element.name === 'Project' ? attr(element, 'Path') : undefined;
      if (p && p.toLowerCase().endsWith('.csproj')) found.push(path.resolve(dir, p.replace(/\\/g, '/')));
    }
  } else {
    // Project("{type-guid}") = "Name", "relative\path.csproj", "{project-guid}"
    const pattern = /^Project\("\{[^}]+\}"\)\s*=\s*"[^"]*",\s*"([^"]+\.csproj)"/gim;
    for (const match of text.matchAll(pattern)) found.push(path.resolve(dir, match[1]!.replace(/\\/g, '/')));
    if (!/Microsoft Visual Studio Solution File/.test(text)) {
      throw new UserError(`${solutionPath} is not a Visual Studio solution file`);
    }
  }
  return found;
}

function findProjects(dir: string, depth: number): string[] {
  const out: string[] = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of entries) {
    if (entry.isFile() && entry.name.toLowerCase().endsWith('.csproj')) out.push(path.join(dir, entry.name));
  }
  if (out.length > 0 || depth === 0) return out;
  for (const entry of entries) {
    if (entry.isDirectory() && !SKIP_DIRS.has(entry.name) && !entry.name.startsWith('.')) {
      out.push(...findProjects(path.join(dir, entry.name), depth - 1));
    }
  }
  return out;
}
