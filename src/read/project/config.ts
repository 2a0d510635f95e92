/**
 * Resolves a connection string the way ASP.NET Core's default configuration does: appsettings.json, then
 * appsettings.{Environment}.json, then user secrets (Development only, when the project has a UserSecretsId and
 * the file exists), then environment variables (ConnectionStrings__Name). Later sources win. Keys are
 * case-insensitive. JSON with comments and trailing commas is accepted, as ASP.NET Core accepts it.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../../core/errors.js';
import { readText } from '../text.js';

export interface ResolvedConnectionString {
  name: string;
  value: string;
  /** where the winning value came from: a file path, "environment variable ConnectionStrings__X" or "--connection" */
  source: string;
  environment: string;
  /** every configuration source looked at, in order */
  sourcesRead: string[];
}

export function environmentName(env: NodeJS.ProcessEnv = process.env): string {
  return env.ASPNETCORE_ENVIRONMENT || env.DOTNET_ENVIRONMENT || 'Development';
}

export function userSecretsPath(userSecretsId: string, env: NodeJS.ProcessEnv = process.env): string {
  // The same places Microsoft.Extensions.Configuration.UserSecrets uses.
  if (process.platform === 'win32' && env.APPDATA) {
    return path.join(env.APPDATA, 'Microsoft', 'UserSecrets', userSecretsId, 'secrets.json');
  }
  const home = env.HOME || os.homedir();
  return path.join(home, '.microsoft', 'usersecrets', userSecretsId, 'secrets.json');
}

export async function readJsonWithComments(file: string): Promise<unknown> {
  const { parse, printParseErrorCode } = await import('jsonc-parser');
  // ASP.NET Core's JSON configuration reads UTF-8 with or without a BOM.
  const text = readText(file);
  const errors: import('jsonc-parser').ParseError[] = [];
  const value = parse(text, errors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: true });
  if (errors.length > 0) {
    const first = errors[0]!;
    const line = text.slice(0, first.offset).split('\n').length;
    throw new UserError(`${file} is not valid JSON (${printParseErrorCode(first.error)} at line ${line}); fix the file and run again`);
  }
  return value;
}

/**
 * A JSON configuration file as ASP.NET Core's JsonConfigurationFileParser reads it: every value under its full
 * key ("ConnectionStrings:Db"; ':' in a property name is a separator too; array items by index), keys compared
 * without case. A key that appears twice is an error there ("A duplicate key ... was found"), and here.
 */
export async function readConfigurationFile(file: string): Promise<Map<string, string | null>> {
  const { parseTree, printParseErrorCode } = await import('jsonc-parser');
  const text = readText(file);
  const errors: import('jsonc-parser').ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: true });
  if (errors.length > 0) {
    const first = errors[0]!;
    throw new UserError(`${file} is not valid JSON (${printParseErrorCode(first.error)} at line ${text.slice(0, first.offset).split('\n').length}); fix the file and run again`);
  }
  const out = new Map<string, string | null>();
  const visit = (node: import('jsonc-parser').Node | undefined, prefix: string) => {
    if (!node) return;
    if (node.type === 'object') {
      for (const property of node.children ?? []) {
        const [keyNode, valueNode] = property.children ?? [];
        visit(valueNode, prefix ? `${prefix}:${String(keyNode?.value)}` : String(keyNode?.value));
      }
      return;
    }
    if (node.type === 'array') {
      (node.children ?? []).forEach((child, i) => visit(child, `${prefix}:${i}`));
      return;
    }
    if (!prefix) return;
    const key = prefix.toLowerCase();
    if (out.has(key)) {
      const line = text.slice(0, node.offset).split('\n').length;
      throw new UserError(`${file}: the key "${prefix}" appears twice (line ${line}); ASP.NET Core refuses such a file ("A duplicate key was found")`, {
        hint: 'remove one of them',
      });
    }
    out.set(key, node.type === 'null' ? null : String(node.value));
  };
  visit(root, '');
  return out;
}

/** The launch profile `dotnet run` uses (the first with commandName "Project", or the one named), and its variables. */
export async function launchProfile(projectDir: string, name?: string): Promise<{ name: string; file: string; environmentVariables: Record<string, string> } | null> {
  const file = path.join(projectDir, 'Properties', 'launchSettings.json');
  if (!existsSync(file)) {
    if (name) throw new UserError(`--launch-profile ${name}: the project has no Properties/launchSettings.json`);
    return null;
  }
  const doc = (await readJsonWithComments(file)) as { profiles?: Record<string, { commandName?: string; environmentVariables?: Record<string, unknown> }> } | undefined;
  const profiles = Object.entries(doc?.profiles ?? {});
  const chosen = name ? profiles.find(([n]) => n === name) : profiles.find(([, p]) => p?.commandName === 'Project');
  if (name && !chosen) throw new UserError(`--launch-profile ${name}: no such profile in ${file} (it has ${profiles.map(([n]) => n).join(', ') || 'none'})`);
  if (!chosen) return null;
  const variables = Object.fromEntries(Object.entries(chosen[1]?.environmentVariables ?? {}).map(([k, v]) => [k, String(v)]));
  return { name: chosen[0], file, environmentVariables: variables };
}

export async function resolveConnectionString(options: {
  projectDir: string;
  name: string;
  userSecretsId?: string;
  env?: NodeJS.ProcessEnv;
}): Promise<ResolvedConnectionString | undefined> {
  const env = options.env ?? process.env;
  const environment = environmentName(env);
  const files = [path.join(options.projectDir, 'appsettings.json'), path.join(options.projectDir, `appsettings.${environment}.json`)];
  if (options.userSecretsId && environment === 'Development') files.push(userSecretsPath(options.userSecretsId, env));
  const key = `connectionstrings:${options.name.toLowerCase()}`;
  let winner: { value: string; source: string } | undefined;
  const sourcesRead: string[] = [];
  for (const file of files) {
    if (!existsSync(file)) continue;
    sourcesRead.push(file);
    const value = (await readConfigurationFile(file)).get(key);
    if (typeof value === 'string') winner = { value, source: file };
  }
  // Environment variables: "__" stands for ":", keys case-insensitive.
  for (const [name, value] of Object.entries(env)) {
    if (name.toLowerCase().replace(/__/g, ':') === key && value !== undefined) {
      winner = { value, source: `environment variable ${name}` };
      sourcesRead.push(`environment variable ${name}`);
    }
  }
  return winner ? { name: options.name, ...winner, environment, sourcesRead } : undefined;
}
