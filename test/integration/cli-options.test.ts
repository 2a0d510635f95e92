/**
 * Every option value that makes no sense and every pair of flags that contradict each other is refused before
 * any work: one line naming the option, exit 1, no file touched (and with --json, one error document).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { copyFixture } from '../helpers/fixtures.js';
import { runCli, treeDigest } from '../helpers/run.js';

const dir = copyFixture('webapp-sqlite');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rejected: { args: string[]; message: RegExp }[] = [
  { args: ['add', '--lock-timeout', 'abc'], message: /option '--lock-timeout <ms>' argument 'abc' is invalid\. expected milliseconds: a whole number from 1 to 3600000/ },
  { args: ['add', '--lock-timeout', '0'], message: /'--lock-timeout <ms>' argument '0' is invalid\. expected milliseconds from 1 to 3600000/ },
  { args: ['add', '--lock-timeout', '-5'], message: /'--lock-timeout <ms>' argument '-5' is invalid/ },
  { args: ['add', '--lock-timeout', '1.5'], message: /'--lock-timeout <ms>' argument '1\.5' is invalid/ },
  { args: ['add', '--lock-timeout', '99999999'], message: /'--lock-timeout <ms>' argument '99999999' is invalid\. expected milliseconds from 1 to 3600000/ },
  { args: ['add', '--connect-timeout', 'soon'], message: /'--connect-timeout <ms>' argument 'soon' is invalid/ },
  { args: ['db', 'update', '--lock-timeout', 'x'], message: /'--lock-timeout <ms>' argument 'x' is invalid/ },
  { args: ['detect', '--connect-timeout', '0'], message: /'--connect-timeout <ms>' argument '0' is invalid/ },
  { args: ['add', '--aspnet-version', 'banana'], message: /'--aspnet-version <version>' argument 'banana' is invalid\. expected a \.NET 10 package version such as 10\.0\.15/ },
  { args: ['upgrade', '--aspnet-version', '9.0.11'], message: /'--aspnet-version <version>' argument '9\.0\.11' is invalid/ },
  { args: ['add', '--on-conflict', 'maybe'], message: /'--on-conflict <choice>' argument 'maybe' is invalid\. Allowed choices are skip, overwrite, keep-both\./ },
  { args: ['scaffold', '--pages', '--on-conflict', 'merge'], message: /'--on-conflict <choice>' argument 'merge' is invalid/ },
  { args: ['add', '--ui', 'blazor'], message: /'--ui <kind>' argument 'blazor' is invalid\. Allowed choices are razor, mvc\./ },
  { args: ['db', 'update', '--provider', 'oracle'], message: /'--provider <name>' argument 'oracle' is invalid\. Allowed choices are sqlite, sqlserver, postgres, mysql\./ },
  { args: ['verify', '--port', '70000'], message: /'--port <n>' argument '70000' is invalid\. expected a port from 1 to 65535/ },
  { args: ['verify', '--timeout', 'long'], message: /'--timeout <ms>' argument 'long' is invalid/ },
];

const conflicting: { args: string[]; message: RegExp }[] = [
  { args: ['add', '--check', '--yes'], message: /option '-y, --yes' cannot be used with option '--check'/ },
  { args: ['add', '--dry-run', '--yes'], message: /option '-y, --yes' cannot be used with option '--dry-run'/ },
  { args: ['add', '--check', '--dry-run'], message: /option '--dry-run' cannot be used with option '--check'/ },
  { args: ['add', '--skip-ui', '--ui', 'mvc'], message: /option '--ui <kind>' cannot be used with option '--skip-ui'/ },
  { args: ['scaffold', '--pages', '--check', '--yes'], message: /option '-y, --yes' cannot be used with option '--check'/ },
  { args: ['upgrade', '--check', '--dry-run'], message: /option '--dry-run' cannot be used with option '--check'/ },
  { args: ['db', 'update', '--script', '--check'], message: /--script does not connect, so it cannot go with --check/ },
  { args: ['db', 'update', '--idempotent'], message: /--idempotent goes with --script/ },
];

describe('refused option values', () => {
  it.each(rejected)('$args', async ({ args, message }) => {
    const before = treeDigest(dir);
    const result = await runCli([...args, '--project', dir]);
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines, result.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(result.stdout).toBe('');
    expect(treeDigest(dir)).toBe(before);
  });
});

describe('conflicting flags', () => {
  it.each(conflicting)('$args', async ({ args, message }) => {
    const before = treeDigest(dir);
    const result = await runCli([...args, '--project', dir]);
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines, result.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(treeDigest(dir)).toBe(before);
  });
});

it('with --json, a refused option is one error document on stdout', async () => {
  const result = await runCli(['add', '--json', '--lock-timeout', 'abc', '--project', dir]);
  expect(result.code).toBe(1);
  const doc = JSON.parse(result.stdout);
  expect(doc).toMatchObject({ command: 'add', status: 'error', error: { code: 'usage' } });
  expect(doc.error.message).toMatch(/--lock-timeout/);
});

it('--json never asks: without --yes it stops with one line and one error document', async () => {
  const before = treeDigest(dir);
  const result = await runCli(['add', '--json', '--skip-db', '--project', dir]);
  expect(result.code).toBe(1);
  expect(JSON.parse(result.stdout)).toMatchObject({ command: 'add', status: 'error', error: { code: 'confirmation-required' } });
  expect(treeDigest(dir)).toBe(before);
});

describe('help and colour', () => {
  it.each([['detect'], ['add'], ['undo'], ['scaffold'], ['verify'], ['upgrade'], ['db', 'update'], ['db', 'rollback']])('%s %s --help has examples', async (...command) => {
    const help = await runCli([...command.filter(Boolean), '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/\nExamples:\n {2}\$ passkey-migrate /);
  });

  it('the main help lists the environment variables', async () => {
    const help = await runCli(['--help']);
    for (const name of ['PASSKEY_MIGRATE_CACHE', 'PASSKEY_MIGRATE_NO_CHECK_CACHE', 'PASSKEY_MIGRATE_NUGET_TTL', 'PASSKEY_MIGRATE_NUGET_TIMEOUT', 'NO_COLOR'])
      expect(help.stdout).toContain(name);
  });

  it.each([
    [{ FORCE_COLOR: '1' }, true],
    [{ FORCE_COLOR: '0' }, false],
    [{ FORCE_COLOR: '1', TERM: 'dumb' }, false],
    [{ FORCE_COLOR: '1', NO_COLOR: '1' }, false],
  ])('colour with %o: %s', async (env, coloured) => {
    const result = await runCli(['detect', '--project', `${dir}-missing`], { env: { NO_COLOR: '', ...env } });
    expect(result.code).toBe(1);
    expect(/\x1b\[/.test(result.stderr)).toBe(coloured);
  });

  it('--no-color wins over FORCE_COLOR=1, also for errors', async () => {
    const result = await runCli(['detect', '--no-color', '--project', `${dir}-missing`], { env: { NO_COLOR: '', FORCE_COLOR: '1' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: /);
  });
});

it('scaffold without --pages does what scaffold --pages does', async () => {
  const withFlag = await runCli(['scaffold', '--pages', '--check', '--project', dir]);
  const without = await runCli(['scaffold', '--check', '--project', dir]);
  expect(without.code).toBe(withFlag.code);
  expect(without.stdout).toBe(withFlag.stdout);
  expect(without.stderr).not.toContain('nothing to scaffold');
});
