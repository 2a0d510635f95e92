/**
 * One CLI contract across commands, table-driven: every command has the common flags (and every command that
 * writes has --yes, --dry-run, --check and --allow-dirty); with --json every run writes exactly one document to
 * stdout that validates against the package's JSON Schema, on success and on a forced error; and --json without
 * --yes never prompts, even with a terminal on stdin (run under a pseudo-terminal).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { materialize, type Materialized } from '../helpers/fixtures.js';
import { binPath, repoRoot, runCli, treeDigest } from '../helpers/run.js';

const schema = JSON.parse(readFileSync(path.join(repoRoot, 'schema', 'passkey-migrate.schema.json'), 'utf8'));
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

function oneDocument(stdout: string): Record<string, unknown> {
  const doc = JSON.parse(stdout); // throws unless stdout is exactly one JSON value
  if (!validate(doc)) throw new Error(`the document does not validate: ${JSON.stringify(validate.errors, null, 2)}\n${stdout}`);
  return doc as Record<string, unknown>;
}

const COMMANDS: { name: string[]; writes: boolean }[] = [
  { name: ['detect'], writes: false },
  { name: ['add'], writes: true },
  { name: ['undo'], writes: true },
  { name: ['scaffold'], writes: true },
  { name: ['verify'], writes: false },
  { name: ['stats'], writes: false },
  { name: ['upgrade'], writes: true },
  { name: ['db', 'update'], writes: true },
  { name: ['db', 'rollback'], writes: true },
];

const COMMON = ['-p, --project <path>', '-s, --startup-project <path>', '--context <name>', '--json', '--verbose', '--no-color'];
const WRITING = ['-y, --yes', '--dry-run', '--check', '--allow-dirty'];

let app: Materialized;
beforeAll(async () => {
  app = await materialize('webapp-sqlite');
}, 120_000);
afterAll(async () => app?.cleanup());

describe.each(COMMANDS)('$name', ({ name, writes }) => {
  it(`has the common flags${writes ? ' and the writing flags' : ''}, and examples`, async () => {
    const help = await runCli([...name, '--help']);
    expect(help.code).toBe(0);
    for (const flag of [...COMMON, ...(writes ? WRITING : [])]) expect(help.stdout).toContain(flag);
    if (!writes) expect(help.stdout).not.toContain('--allow-dirty');
    expect(help.stdout).toMatch(/Examples:\n\s+\$ passkey-migrate /);
  });

  it('--json on a forced error: one document, status error, a code, exit 1', async () => {
    const result = await runCli([...name, '--json', '--project', path.join(app.dir, 'no-such-folder')]);
    expect(result.code).toBe(1);
    const doc = oneDocument(result.stdout);
    expect(doc).toMatchObject({ command: name.join(' '), status: 'error', error: { code: expect.any(String) } });
    expect((doc.error as { message: string }).message).toMatch(/no-such-folder does not exist/);
  });
});

it('--json on a usage error is one document too', async () => {
  const result = await runCli(['add', '--json', '--on-conflict', 'maybe']);
  expect(result.code).toBe(1);
  expect(oneDocument(result.stdout)).toMatchObject({ command: 'add', status: 'error', error: { code: 'usage' } });
});

/** Runs the CLI with a pseudo-terminal on stdin (util-linux script), stdout into a file. */
function inTerminal(args: string[], stdoutFile: string): { code: number; stdout: string } {
  const command = [process.execPath, binPath, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  let code = 0;
  try {
    execFileSync('script', ['-qec', `${command} > '${stdoutFile}'`, '/dev/null'], {
      env: { ...process.env, CI: '', NO_COLOR: '1' },
      stdio: ['ignore', 'ignore', 'ignore'],
      timeout: 60_000,
    });
  } catch (error) {
    const e = error as { status?: number | null; signal?: string | null };
    if (e.signal) throw new Error(`${args.join(' ')} did not end (waiting for an answer?)`);
    code = e.status ?? -1;
  }
  return { code, stdout: readFileSync(stdoutFile, 'utf8') };
}

describe('the documents of one app through its life, each validated', () => {
  const out = () => path.join(app.dir, '..', `${path.basename(app.dir)}-stdout.json`);
  const run = async (args: string[]) => {
    const result = await runCli([...args, '--json', '--project', app.dir]);
    return { code: result.code, doc: oneDocument(result.stdout) };
  };

  it('pending before add: detect, add/scaffold/upgrade --dry-run, db update --dry-run and --script, db rollback and undo --check', async () => {
    expect(await run(['detect'])).toMatchObject({ code: 0, doc: { command: 'detect', status: 'ok', supported: 'yes' } });
    const add = await run(['add', '--dry-run']);
    expect(add).toMatchObject({ code: 0, doc: { status: 'pending', database: { status: 'pending', target: expect.stringMatching(/app\.db$/) } } });
    expect((add.doc.files as unknown[]).length).toBeGreaterThan(10);
    expect(await run(['scaffold', '--dry-run'])).toMatchObject({ code: 0, doc: { status: 'pending', ui: 'razor' } });
    expect(await run(['upgrade', '--dry-run', '--offline'])).toMatchObject({ code: 0, doc: { status: 'pending' } });
    expect(await run(['db', 'update', '--check'])).toMatchObject({ code: 2, doc: { status: 'pending', database: { status: 'pending' } } });
    expect(await run(['db', 'update', '--script'])).toMatchObject({ code: 0, doc: { status: 'ok', script: expect.stringContaining('CREATE TABLE') } });
    expect(await run(['db', 'rollback', '--check'])).toMatchObject({ code: 0, doc: { status: 'up-to-date', database: { status: 'up-to-date' } } });
    expect(await run(['undo', '--check'])).toMatchObject({ code: 0, doc: { status: 'up-to-date' } });
  });

  it('--json without --yes never prompts, even on a terminal: add, scaffold, upgrade refuse with confirmation-required and write nothing', () => {
    const before = treeDigest(app.dir);
    for (const command of [['add'], ['scaffold'], ['upgrade', '--offline']]) {
      const result = inTerminal([...command, '--json', '--project', app.dir], out());
      expect(result.code, command.join(' ')).toBe(1);
      expect(oneDocument(result.stdout)).toMatchObject({ status: 'error', error: { code: 'confirmation-required' } });
    }
    expect(treeDigest(app.dir)).toBe(before);
  });

  it('applied and up to date: add --yes, add --check, db rollback --dry-run, then undo (which needs --yes under --json too)', async () => {
    const applied = await run(['add', '--yes']);
    expect(applied).toMatchObject({ code: 0, doc: { status: 'applied', database: { status: 'applied', migrationId: expect.stringMatching(/_AddPasskeySupport$/) } } });
    for (const f of applied.doc.files as { reason: string }[]) expect(f.reason).not.toBe('');
    expect(await run(['add', '--check'])).toMatchObject({ code: 0, doc: { status: 'up-to-date' } });
    expect(await run(['db', 'update', '--dry-run'])).toMatchObject({ code: 0, doc: { status: 'up-to-date' } });
    expect(await run(['db', 'rollback', '--dry-run'])).toMatchObject({ code: 0, doc: { status: 'pending', database: { status: 'pending' } } });
    expect(await run(['undo', '--check'])).toMatchObject({ code: 2, doc: { status: 'pending' } });
    const asked = inTerminal(['undo', '--json', '--project', app.dir], out());
    expect(asked.code).toBe(1);
    expect(oneDocument(asked.stdout)).toMatchObject({ error: { code: 'confirmation-required' } });
    expect(await run(['undo', '--yes'])).toMatchObject({ code: 0, doc: { status: 'applied', database: { status: 'rolled-back' } } });
    expect(await run(['db', 'rollback'])).toMatchObject({ code: 0, doc: { status: 'up-to-date' } });
  });

  it('db update and db rollback do not ask (as dotnet ef database update): --json alone applies, --yes is accepted', async () => {
    expect(await run(['add', '--yes'])).toMatchObject({ code: 0, doc: { status: 'applied' } });
    expect(await run(['db', 'rollback', '--yes'])).toMatchObject({ code: 0, doc: { status: 'applied', database: { status: 'rolled-back' } } });
    const update = inTerminal(['db', 'update', '--json', '--project', app.dir], out());
    expect(update.code).toBe(0);
    expect(oneDocument(update.stdout)).toMatchObject({ command: 'db update', status: 'applied', database: { status: 'applied' } });
    expect(await run(['db', 'rollback', '--yes'])).toMatchObject({ code: 0, doc: { status: 'applied', database: { status: 'rolled-back' } } });
  });
});

describe('-p, -s and --context', () => {
  it('--context must be the DbContext Identity uses; -s with -p checks that -p holds it', async () => {
    const wrong = await runCli(['detect', '--skip-db', '--json', '--context', 'OtherDbContext', '--project', app.dir]);
    expect(wrong.code).toBe(1);
    expect(oneDocument(wrong.stdout)).toMatchObject({
      error: { message: expect.stringMatching(/--context OtherDbContext does not match the DbContext Identity uses \(.*ApplicationDbContext\)/) },
    });
    expect((await runCli(['detect', '--skip-db', '--context', 'ApplicationDbContext', '--project', app.dir])).code).toBe(0);
    // The app is its own DbContext project: -s and -p both naming it agree.
    expect((await runCli(['detect', '--skip-db', '-s', app.dir, '-p', app.dir])).code).toBe(0);
    const elsewhere = await runCli(['detect', '--skip-db', '-s', app.dir, '-p', path.join(repoRoot, 'fixtures', 'mvc-startup')]);
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toMatch(/--project .*mvc-startup is not the project that holds ApplicationDbContext/);
  });
});

/** Every file's path and bytes (not times): what a restore must give back. */
function contents(dir: string): string {
  const hash = createHash('sha256');
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else hash.update(`${path.relative(dir, p)}\0`).update(readFileSync(p));
    }
  };
  walk(dir);
  return hash.digest('hex');
}

describe('upgrade is journaled', () => {
  it('undo reverts an upgrade byte for byte', async () => {
    const m = await materialize('webapp-sqlite');
    try {
      const before = contents(m.dir);
      const upgraded = await runCli(['upgrade', '--yes', '--offline', '--project', m.dir]);
      expect(upgraded.code, upgraded.stderr).toBe(0);
      expect(contents(m.dir)).not.toBe(before);
      const undone = await runCli(['undo', '--yes', '--project', m.dir]);
      expect(undone.code, undone.stderr).toBe(0);
      expect(contents(m.dir)).toBe(before);
    } finally {
      await m.cleanup();
    }
  });
});

describe('a dirty git worktree', () => {
  it('scaffold and upgrade refuse it unless --allow-dirty; undo counts only its own files', async () => {
    const m = await materialize('webapp-sqlite');
    try {
      const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: m.dir, stdio: 'ignore' });
      git('init', '-q');
      git('add', '-A');
      git('commit', '-qm', 'app');
      writeFileSync(path.join(m.dir, 'notes.txt'), 'mine\n');
      for (const command of [['scaffold'], ['upgrade', '--offline'], ['add']]) {
        const refused = await runCli([...command, '--yes', '--project', m.dir]);
        expect(refused.code, command.join(' ')).toBe(1);
        expect(refused.stderr).toMatch(/the git worktree has 1 uncommitted change \(notes\.txt\)/);
      }
      expect((await runCli(['add', '--yes', '--allow-dirty', '--project', m.dir])).code).toBe(0);
      // Now only add's own changes and notes.txt are uncommitted: undo refuses for notes.txt alone.
      const undo = await runCli(['undo', '--yes', '--project', m.dir]);
      expect(undo.code).toBe(1);
      expect(undo.stderr).toMatch(/the git worktree has 1 uncommitted change \(notes\.txt\)/);
      git('add', 'notes.txt');
      git('commit', '-qm', 'notes');
      const undone = await runCli(['undo', '--yes', '--project', m.dir]);
      expect(undone.code, undone.stderr).toBe(0);
    } finally {
      await m.cleanup();
    }
  });
});
