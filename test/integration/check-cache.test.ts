/**
 * `add --check` as a CI gate: answered from the last check when nothing it read changed (files, environment,
 * database), never from a stale answer, and without asking a package source when the app is already on 10.0.x.
 * A source that never answers is asked once per run (one bound), not once per package.
 */
import { mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { materialize, type Materialized } from '../helpers/fixtures.js';
import { runCli } from '../helpers/run.js';

const made: Materialized[] = [];
const caches: string[] = [];
afterAll(async () => {
  for (const m of made) await m.cleanup();
  for (const c of caches) rmSync(c, { recursive: true, force: true });
});

async function app(): Promise<Materialized> {
  const m = await materialize('webapp-sqlite');
  made.push(m);
  return m;
}

function freshCache(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pkm-check-cache-'));
  caches.push(dir);
  return dir;
}

const SERVED = 'check cache: nothing changed since the last check';

/** A package source that records every request; `hang` makes it accept and never answer. */
async function packageSource(hang: boolean): Promise<{ url: string; requests: string[]; server: Server }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    if (hang) return; // never answers
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v3/index.json`, requests, server };
}

function useOnlySource(dir: string, url: string): void {
  writeFileSync(
    path.join(dir, 'nuget.config'),
    `<?xml version="1.0" encoding="utf-8"?>\n<configuration>\n  <packageSources>\n    <clear />\n    <add key="recorder" value="${url}" />\n  </packageSources>\n</configuration>\n`,
  );
}

describe('add --check through the check cache', () => {
  let m: Materialized;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    m = await app();
    env = { PASSKEY_MIGRATE_CACHE: freshCache() };
    const added = await runCli(['add', '--yes', '--project', m.dir], { env });
    expect(added.code, added.stderr).toBe(0);
  });

  it('answers a repeated check from the cache, with the same output and exit code', async () => {
    const first = await runCli(['add', '--check', '--verbose', '--project', m.dir], { env });
    expect(first.code, first.stderr).toBe(0);
    const second = await runCli(['add', '--check', '--verbose', '--project', m.dir], { env });
    expect(second.code).toBe(0);
    expect(second.stderr).toContain(SERVED);
    expect(second.stdout).toBe(first.stdout);
  });

  it('checks again in full when a file it read changed', async () => {
    appendFileSync(path.join(m.dir, 'Program.cs'), '\n// touched\n');
    const run = await runCli(['add', '--check', '--verbose', '--project', m.dir], { env });
    expect(run.code).toBe(0);
    expect(run.stderr).not.toContain(SERVED);
    expect(run.stderr).toContain(`${path.join(m.dir, 'Program.cs')} changed`);
  });

  it('checks again in full in another environment', async () => {
    await runCli(['add', '--check', '--project', m.dir], { env });
    const run = await runCli(['add', '--check', '--verbose', '--project', m.dir], { env: { ...env, ASPNETCORE_ENVIRONMENT: 'Staging' } });
    expect(run.stderr).not.toContain(SERVED);
  });

  it('sees a database that changed since (one read), and says pending', async () => {
    await runCli(['add', '--check', '--project', m.dir], { env });
    const db = new Database(path.join(m.dir, 'app.db'));
    db.exec(`DELETE FROM "__EFMigrationsHistory" WHERE "MigrationId" LIKE '%_AddPasskeySupport'`);
    db.close();
    const run = await runCli(['add', '--check', '--verbose', '--project', m.dir], { env });
    expect(run.stderr).toContain('check cache: the database changed');
    expect(run.code).toBe(2);
    const again = await runCli(['add', '--check', '--verbose', '--project', m.dir], { env });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(SERVED);
    expect(again.stdout).toBe(run.stdout);
  });

  it('is not used with PASSKEY_MIGRATE_NO_CHECK_CACHE=1', async () => {
    const run = await runCli(['add', '--check', '--verbose', '--project', m.dir], { env: { ...env, PASSKEY_MIGRATE_NO_CHECK_CACHE: '1' } });
    expect(run.stderr).not.toContain(SERVED);
  });
});

describe('a pending check', () => {
  it('asks NuGet and dotnet restore once, and answers the next check from the cache (their scratch folders are not inputs)', async () => {
    const m = await app();
    const env = { PASSKEY_MIGRATE_CACHE: freshCache() };
    const first = await runCli(['add', '--check', '--verbose', '--project', m.dir], { env });
    expect(first.code, first.stderr).toBe(2);
    expect(first.stderr).not.toContain('could not check the package graph');
    const second = await runCli(['add', '--check', '--verbose', '--project', m.dir], { env });
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(SERVED);
    expect(second.stdout).toBe(first.stdout);
  });
});

describe('package sources on a check', () => {
  it('add --check and detect ask no package source when the app is on net10.0 with 10.0.x packages', async () => {
    const m = await app();
    const added = await runCli(['add', '--yes', '--project', m.dir], { env: { PASSKEY_MIGRATE_CACHE: freshCache() } });
    expect(added.code, added.stderr).toBe(0);
    const source = await packageSource(false);
    try {
      useOnlySource(m.dir, source.url);
      const env = { PASSKEY_MIGRATE_CACHE: freshCache() }; // cold: nothing answered from earlier runs
      const check = await runCli(['add', '--check', '--project', m.dir], { env });
      expect(check.code, check.stderr).toBe(0);
      const detect = await runCli(['detect', '--json', '--project', m.dir], { env });
      expect(detect.code, detect.stderr).toBe(0);
      expect(source.requests).toEqual([]);
    } finally {
      source.server.close();
    }
  });

  it('a source that never answers is asked once per run, and the check goes on without it', async () => {
    const m = await app();
    const source = await packageSource(true);
    try {
      useOnlySource(m.dir, source.url);
      const env = { PASSKEY_MIGRATE_CACHE: freshCache(), PASSKEY_MIGRATE_NUGET_TIMEOUT: '2000' }; // long enough for the request to reach the source on a loaded machine
      const check = await runCli(['add', '--check', '--verbose', '--project', m.dir], { env });
      expect(check.code, check.stderr).toBe(2);
      expect(check.stderr).toContain('no NuGet source answered');
      expect(source.requests).toEqual(['/v3/index.json']);
      // What depended on an unanswered source is not kept: the next check asks again (once).
      const again = await runCli(['add', '--check', '--verbose', '--project', m.dir], { env });
      expect(again.code).toBe(2);
      expect(again.stderr).not.toContain(SERVED);
      expect(source.requests).toEqual(['/v3/index.json', '/v3/index.json']);
    } finally {
      source.server.closeAllConnections();
      source.server.close();
    }
  });
});
