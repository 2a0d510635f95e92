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

function lookupConnectionString(document: unknown, name: string): string | undefined {
  if (!document || typeof document !== 'object') return undefined;
  const section = Object.entries(document as Record<string, unknown>).find(([k]) => k.toLowerCase() === 'connectionstrings')?.[1];
  if (section && typeof section === 'object') {
    const entry = Object.entries(section as Record<string, unknown>).find(([k]) => k.toLowerCase() === name.toLowerCase());
    if (entry && typeof entry[1] === 'string') return entry[1];
  }
  // secrets.json is usually flat: "ConnectionStrings:Name": "..."
  const flat = Object.entries(document as Record<string, unknown>).find(
    ([k]) => k.toLowerCase() === `connectionstrings:${name.toLowerCase()}`,
  );
  return typeof flat?.[1] === 'string' ? flat[1] : undefined;
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
  let winner: { value: string; source: string } | undefined;
  const sourcesRead: string[] = [];
  for (const file of files) {
    if (!existsSync(file)) continue;
    sourcesRead.push(file);
    const value = lookupConnectionString(await readJsonWithComments(file), options.name);
    if (value !== undefined) winner = { value, source: file };
  }
  // Environment variables: "__" stands for ":", keys case-insensitive.
  const wantedKey = `connectionstrings__${options.name.toLowerCase()}`;
  for (const [key, value] of Object.entries(env)) {
    if (key.toLowerCase() === wantedKey && value !== undefined) {
      winner = { value, source: `environment variable ${key}` };
      sourcesRead.push(`environment variable ${key}`);
    }
  }
  return winner ? { name: options.name, ...winner, environment, sourcesRead } : undefined;
}
