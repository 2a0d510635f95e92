/**
 * The untouched app, judged by the real tools before anything changes: `detect --build` reports whether it builds
 * and whether EF agrees with its migrations, and `add --require-clean-build` stops on either, nothing written, so
 * that a failure after add is never the app's own.
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exec } from '../helpers/dotnet.js';
import { copyFixture } from '../helpers/fixtures.js';
import { repoRoot, runCli, treeDigest } from '../helpers/run.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A copy of the fixture with the repository's dotnet-ef as its local tool, as a team with a tool manifest has. */
async function app(): Promise<string> {
  const dir = copyFixture('webapp-sqlite');
  dirs.push(dir);
  mkdirSync(path.join(dir, '.config'));
  copyFileSync(path.join(repoRoot, '.config', 'dotnet-tools.json'), path.join(dir, '.config', 'dotnet-tools.json'));
  expect((await exec('dotnet', ['tool', 'restore'], { cwd: dir })).code).toBe(0);
  return dir;
}

describe('the untouched app', () => {
  it('detect --build: it builds, and EF agrees with its migrations', async () => {
    const dir = await app();
    const report = JSON.parse((await runCli(['detect', '--build', '--skip-db', '--json', '--project', dir])).stdout);
    expect(report.health).toMatchObject({ build: { ok: true, errors: 0 }, efModel: { pendingChanges: false } });
  }, 300_000);

  it('a model change no migration has is reported as the app’s, and add --require-clean-build stops on it', async () => {
    const dir = await app();
    const context = path.join(dir, 'Data', 'ApplicationDbContext.cs');
    writeFileSync(
      context,
      readFileSync(context, 'utf8').replace(
        '    {\n    }\n}',
        '    {\n    }\n\n    public DbSet<Order> Orders => Set<Order>();\n}\n\npublic class Order\n{\n    public int Id { get; set; }\n}',
      ),
    );
    const detect = await runCli(['detect', '--build', '--skip-db', '--project', dir]);
    expect(detect.code, detect.stderr).toBe(0);
    expect(detect.stdout).toMatch(/EF model\s+changes no migration has \(stale snapshot\)/);
    expect(detect.stderr).toMatch(/EF Core reports model changes no migration has .*the app's own/);
    const digest = treeDigest(dir);
    const added = await runCli(['add', '--yes', '--skip-db', '--require-clean-build', '--project', dir]);
    expect(added.code).toBe(1);
    expect(added.stderr).toMatch(/^error: --require-clean-build: EF Core reports model changes that no migration has/m);
    expect(treeDigest(dir)).toBe(digest);
  }, 300_000);

  it('a build error: detect --build names it, add --require-clean-build stops on it, nothing written', async () => {
    const dir = await app();
    writeFileSync(path.join(dir, 'Broken.cs'), 'namespace SampleShop;\npublic class Broken { public int X => ; }\n');
    const detect = JSON.parse((await runCli(['detect', '--build', '--skip-db', '--json', '--project', dir])).stdout);
    expect(detect.health.build).toMatchObject({ ok: false, errors: 1 });
    expect(detect.health.build.first).toMatch(/Broken\.cs\(2,\d+\): error CS/);
    const digest = treeDigest(dir);
    const added = await runCli(['add', '--yes', '--skip-db', '--require-clean-build', '--project', dir]);
    expect(added.code).toBe(1);
    expect(added.stderr).toMatch(/^error: --require-clean-build: the app does not build before passkey-migrate touches it \(1 error; first: .*Broken\.cs/m);
    expect(treeDigest(dir)).toBe(digest);
  }, 300_000);
});
