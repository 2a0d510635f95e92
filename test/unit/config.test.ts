import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConnectionString, userSecretsPath } from '../../src/read/project/config.js';

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pkm-config-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

describe('connection string resolution', () => {
  const base = { 'appsettings.json': '{ "ConnectionStrings": { "Db": "from-base" } }' };

  it('layers appsettings, the environment file, user secrets and environment variables in ASP.NET Core order', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'pkm-home-'));
    const dir = project({ ...base, 'appsettings.Staging.json': '// comment\n{ "connectionStrings": { "db": "from-staging", }, }' });
    const env = { HOME: home, ASPNETCORE_ENVIRONMENT: 'Staging' };
    expect((await resolveConnectionString({ projectDir: dir, name: 'Db', env }))?.value).toBe('from-staging');

    const secrets = userSecretsPath('abc', { HOME: home });
    mkdirSync(path.dirname(secrets), { recursive: true });
    writeFileSync(secrets, '{ "ConnectionStrings:Db": "from-secrets" }');
    // user secrets are read in Development only, as WebApplication.CreateBuilder does
    expect((await resolveConnectionString({ projectDir: dir, name: 'Db', userSecretsId: 'abc', env }))?.value).toBe('from-staging');
    const dev = { HOME: home, ASPNETCORE_ENVIRONMENT: 'Development' };
    expect((await resolveConnectionString({ projectDir: dir, name: 'Db', userSecretsId: 'abc', env: dev }))?.source).toBe(secrets);

    const withEnv = { ...dev, ConnectionStrings__DB: 'from-env' };
    expect(await resolveConnectionString({ projectDir: dir, name: 'Db', userSecretsId: 'abc', env: withEnv })).toMatchObject({
      value: 'from-env',
      source: 'environment variable ConnectionStrings__DB',
    });
  });

  it('defaults to Development when no environment is set', async () => {
    const dir = project({ ...base, 'appsettings.Development.json': '{ "ConnectionStrings": { "Db": "from-dev" } }' });
    expect(await resolveConnectionString({ projectDir: dir, name: 'Db', env: { HOME: dir } })).toMatchObject({ value: 'from-dev', environment: 'Development' });
  });

  it('returns nothing when no source has the name', async () => {
    const dir = project(base);
    expect(await resolveConnectionString({ projectDir: dir, name: 'Other', env: { HOME: dir } })).toBeUndefined();
  });
});
