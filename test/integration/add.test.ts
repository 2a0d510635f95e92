/**
 * `add` and `undo` on real files and a real SQLite database: --check 2 before and 0 after, a second add touches
 * nothing, undo restores every byte and the database, non-TTY without --yes refuses, a dirty git worktree is
 * refused, conflicts are never overwritten silently, and SIGKILL at 14 points never leaves a state a re-run cannot
 * finish (the end state equals an uninterrupted run; no user row lost).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checksums, dumpSqlite } from '../helpers/dbdump.js';
import { materialize, type Materialized } from '../helpers/fixtures.js';
import { runCli, treeDigest } from '../helpers/run.js';
import { seedUsers } from '../helpers/seed.js';

const made: Materialized[] = [];
afterAll(async () => {
  for (const m of made) await m.cleanup();
});

async function app(): Promise<Materialized> {
  const m = await materialize('webapp-sqlite');
  made.push(m);
  await seedUsers({ kind: 'sqlite', target: path.join(m.dir, 'app.db'), users: 'AspNetUsers', claims: 'AspNetUserClaims', logins: 'AspNetUserLogins', key: 'string' }, 25);
  return m;
}

/** Every file's content (not mtime), with the migration timestamp made neutral; the database file left out. */
function contents(dir: string, options: { neutralIds?: boolean } = {}): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== '.git' && entry.name !== '.passkey-migrate') visit(full);
        continue;
      }
      if (/\.db(-shm|-wal|-journal)?$/.test(entry.name)) continue;
      let rel = path.relative(dir, full);
      let text = readFileSync(full, 'utf8');
      if (options.neutralIds) {
        rel = rel.replace(/\d{14}_AddPasskeySupport/, 'ID_AddPasskeySupport');
        text = text.replace(/\d{14}_AddPasskeySupport/g, 'ID_AddPasskeySupport');
      }
      out[rel] = createHash('sha256').update(text).digest('hex');
    }
  };
  visit(dir);
  return out;
}

async function database(dir: string) {
  const file = path.join(dir, 'app.db');
  const dump = await dumpSqlite(file);
  const rows = await checksums('sqlite', file, [
    { name: 'AspNetUsers', orderBy: 'Id' },
    { name: 'AspNetUserClaims', orderBy: 'Id' },
    { name: 'AspNetUserLogins', orderBy: 'LoginProvider, ProviderKey' },
  ]);
  return { schema: dump.schema, history: dump.history.map((h) => h.replace(/^\d{14}/, 'ID')), rows };
}

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.test', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.test' },
  });
}

function gitInit(dir: string): void {
  writeFileSync(path.join(dir, '.gitignore'), '*.db\nbin/\nobj/\n');
  git(dir, 'init', '-q');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'app');
}

describe('add', () => {
  it('--check is 2 before and 0 after add --yes; a second add touches nothing; undo restores every byte and the database', async () => {
    const m = await app();
    gitInit(m.dir);
    const originalFiles = contents(m.dir);
    const originalDb = await database(m.dir);

    const before = await runCli(['add', '--check', '--project', m.dir]);
    expect(before.code, before.stderr).toBe(2);
    expect(before.stdout).toMatch(/Passkeys\/PasskeyEndpoints\.cs/);
    expect(before.stdout).toMatch(/create table AspNetUserPasskeys/);
    const checkJson = JSON.parse((await runCli(['add', '--check', '--json', '--project', m.dir])).stdout);
    expect(checkJson).toMatchObject({ command: 'add', status: 'pending', database: { status: 'pending' } });

    const applied = await runCli(['add', '--yes', '--project', m.dir]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/done: 24 files written, \d{14}_AddPasskeySupport applied to the database/);
    expect(applied.stdout).toMatch(/git add -A && git commit -m "Add passkey sign-in/);
    expect((await runCli(['add', '--check', '--project', m.dir])).code).toBe(0);

    const digest = treeDigest(m.dir);
    const again = await runCli(['add', '--project', m.dir]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/nothing to do/);
    expect(treeDigest(m.dir)).toBe(digest);

    const undone = await runCli(['undo', '--yes', '--project', m.dir]);
    expect(undone.code, undone.stderr).toBe(0);
    expect(contents(m.dir)).toEqual(originalFiles);
    for (const folder of ['Passkeys', 'Areas/Identity/Pages/Account', 'wwwroot/js/passkey-submit.js']) expect(existsSync(path.join(m.dir, folder)), folder).toBe(false);
    expect(existsSync(path.join(m.dir, 'Areas/Identity/Pages/_ViewStart.cshtml'))).toBe(true);
    expect(git(m.dir, 'status', '--porcelain')).toBe('');
    expect(await database(m.dir)).toEqual(originalDb);
    expect((await runCli(['add', '--check', '--project', m.dir])).code).toBe(2);
  });

  it('--check --skip-db judges the project alone, without a database', async () => {
    const m = await app();
    rmSync(path.join(m.dir, 'app.db'));
    const pending = await runCli(['add', '--check', '--skip-db', '--project', m.dir]);
    expect(pending.code, pending.stderr).toBe(2);
    expect((await runCli(['add', '--check', '--project', m.dir])).code).toBe(1);
    expect((await runCli(['add', '--yes', '--skip-db', '--project', m.dir])).code).toBe(0);
    const done = await runCli(['add', '--check', '--skip-db', '--project', m.dir]);
    expect(done.code, done.stdout).toBe(0);
    expect(done.stdout).toMatch(/database not checked: --skip-db/);
  });

  it('refuses to prompt without a terminal: exit 1 naming --yes, nothing changed', async () => {
    const m = await app();
    const digest = treeDigest(m.dir);
    const result = await runCli(['add', '--project', m.dir], { env: { CI: '' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: not asking for confirmation: stdin is not a terminal or CI is set \(pass --yes/m);
    expect(
      result.stderr
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('error')),
    ).toHaveLength(1);
    expect(treeDigest(m.dir)).toBe(digest);
  });

  it('refuses a dirty git worktree unless --allow-dirty', async () => {
    const m = await app();
    gitInit(m.dir);
    writeFileSync(path.join(m.dir, 'Program.cs'), readFileSync(path.join(m.dir, 'Program.cs'), 'utf8') + '// wip\n');
    const digest = treeDigest(m.dir);
    const refused = await runCli(['add', '--yes', '--project', m.dir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/uncommitted change.*Program\.cs.*--allow-dirty/);
    expect(treeDigest(m.dir)).toBe(digest);
    const allowed = await runCli(['add', '--yes', '--allow-dirty', '--project', m.dir]);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(readFileSync(path.join(m.dir, 'Program.cs'), 'utf8')).toMatch(/\/\/ wip\n$/);
  });

  it('never overwrites a file silently: refuses without a choice, keeps both on request', async () => {
    const m = await app();
    const mine = path.join(m.dir, 'Passkeys', 'PasskeyOperation.cs');
    execFileSync('mkdir', ['-p', path.dirname(mine)]);
    writeFileSync(mine, '// my own passkey enum\nnamespace SampleShop.Passkeys;\npublic enum PasskeyOperation { Create, Request }\n');
    const digest = treeDigest(m.dir);
    const refused = await runCli(['add', '--yes', '--project', m.dir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/Passkeys\/PasskeyOperation\.cs.*--on-conflict skip\|overwrite\|keep-both/);
    expect(treeDigest(m.dir)).toBe(digest);
    const kept = await runCli(['add', '--yes', '--on-conflict', 'keep-both', '--project', m.dir]);
    expect(kept.code, kept.stderr).toBe(0);
    expect(readFileSync(mine, 'utf8')).toMatch(/^\/\/ my own passkey enum/);
    expect(readFileSync(`${mine}.passkey-migrate`, 'utf8')).toMatch(/Added by passkey-migrate/);
  });

  it('refuses to keep (skip, keep-both) a file that lacks what the generated files use, naming the members', async () => {
    const m = await app();
    const mine = path.join(m.dir, 'Passkeys', 'PasskeyAccount.cs');
    execFileSync('mkdir', ['-p', path.dirname(mine)]);
    // An older hand-written helper of the same name: it has DisplayName, not the rest the new pages call.
    writeFileSync(mine, 'namespace SampleShop.Passkeys;\npublic static class PasskeyAccount\n{\n    public static string DisplayName(object passkey) => "passkey";\n}\n');
    const digest = treeDigest(m.dir);
    for (const choice of ['skip', 'keep-both']) {
      const refused = await runCli(['add', '--yes', '--on-conflict', choice, '--project', m.dir]);
      expect(refused.code).toBe(1);
      expect(refused.stderr.trim().split('\n')).toHaveLength(1);
      expect(refused.stderr).toMatch(
        new RegExp(`--on-conflict ${choice} would break the build: Passkeys/PasskeyAccount\\.cs as it is lacks what the new files use: .*PasskeyAccount\\.SignInAsync`),
      );
      expect(refused.stderr).not.toMatch(/PasskeyAccount\.DisplayName/);
      expect(treeDigest(m.dir)).toBe(digest);
    }
    // A file that has everything may be kept: the count of written files is true and it is named as kept.
    const ours = await runCli(['add', '--dry-run', '--project', m.dir]);
    expect(ours.code).toBe(0);
    const overwrite = await runCli(['add', '--yes', '--on-conflict', 'overwrite', '--project', m.dir]);
    expect(overwrite.code, overwrite.stderr).toBe(0);
    expect(readFileSync(mine, 'utf8')).toMatch(/Added by passkey-migrate/);
  });

  it('undo refuses, naming them, when files were edited after add; nothing changes', async () => {
    const m = await app();
    expect((await runCli(['add', '--yes', '--project', m.dir])).code).toBe(0);
    const login = path.join(m.dir, 'Areas', 'Identity', 'Pages', 'Account', 'Login.cshtml');
    writeFileSync(login, readFileSync(login, 'utf8') + '@* edited *@\n');
    const digest = treeDigest(m.dir);
    const db = await database(m.dir);
    const refused = await runCli(['undo', '--yes', '--project', m.dir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/edited after add: Areas\/Identity\/Pages\/Account\/Login\.cshtml/);
    expect(treeDigest(m.dir)).toBe(digest);
    expect(await database(m.dir)).toEqual(db);
  });
});

describe('add under SIGKILL', () => {
  let reference: { files: Record<string, string>; db: Awaited<ReturnType<typeof database>> };

  it('an uninterrupted run (the reference)', async () => {
    const m = await app();
    const run = await runCli(['add', '--yes', '--project', m.dir]);
    expect(run.code, run.stderr).toBe(0);
    reference = { files: contents(m.dir, { neutralIds: true }), db: await database(m.dir) };
    expect(Object.keys(reference.files).some((f) => f.endsWith('Passkeys.cshtml'))).toBe(true);
  });

  const points = [
    'add:journal',
    'file#1',
    'file#6',
    'file#12',
    'file#21',
    'add:files-written',
    'locked',
    'journal',
    'createTable',
    'createIndex',
    'history',
    'beforeCommit',
    'add:complete',
    'file#3,createTable',
  ];
  it.each(points)('killed at %s: a re-run finishes and equals the uninterrupted run', async (point) => {
    const m = await app();
    const users = await database(m.dir);
    const killed = await runCli(['add', '--yes', '--project', m.dir], { env: { PASSKEY_MIGRATE_FAULT: point } });
    expect(killed.code, `${point}: ${killed.stderr}`).not.toBe(0);
    // A second interruption at the same kind of point, when the point can recur, must also be survivable.
    const rerun = await runCli(['add', '--yes', '--project', m.dir]);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(contents(m.dir, { neutralIds: true })).toEqual(reference.files);
    const after = await database(m.dir);
    expect(after.schema).toEqual(reference.db.schema);
    expect(after.history).toEqual(reference.db.history);
    expect(after.rows).toEqual(users.rows);
    const leftovers = readdirSync(m.dir, { recursive: true })
      .map(String)
      .filter((f) => /\.(tmp|bak)$/.test(f));
    expect(leftovers).toEqual([]);
    expect((await runCli(['add', '--check', '--project', m.dir])).code).toBe(0);
  });
});

void statSync;

describe('the journal', () => {
  it('holds paths relative to the project: undo works after the folder moved', async () => {
    const m = await app();
    const original = contents(m.dir);
    expect((await runCli(['add', '--yes', '--project', m.dir])).code).toBe(0);
    const journal = JSON.parse(readFileSync(path.join(m.dir, '.passkey-migrate', 'add.json'), 'utf8'));
    expect(journal.files.every((f: { path: string }) => !path.isAbsolute(f.path) && !f.path.startsWith('..'))).toBe(true);
    const moved = `${m.dir}-moved`;
    execFileSync('mv', [m.dir, moved]);
    try {
      const undone = await runCli(['undo', '--yes', '--project', moved]);
      expect(undone.code, undone.stderr).toBe(0);
      expect(contents(moved)).toEqual(original);
    } finally {
      execFileSync('mv', [moved, m.dir]);
    }
  });

  it('a damaged journal: add, undo and --check each say so in one line, naming the file and what to do', async () => {
    const m = await app();
    expect((await runCli(['add', '--yes', '--project', m.dir])).code).toBe(0);
    const file = path.join(m.dir, '.passkey-migrate', 'add.json');
    writeFileSync(file, readFileSync(file, 'utf8').slice(0, 5000));
    for (const args of [
      ['add', '--yes'],
      ['undo', '--yes'],
      ['add', '--check'],
    ]) {
      const result = await runCli([...args, '--project', m.dir]);
      expect(result.code, args.join(' ')).toBe(1);
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^error: the journal .*\.passkey-migrate\/add\.json is damaged \(.*\), so passkey-migrate cannot tell what the last run changed \(restore it from version control, or delete it/,
      );
    }
  });

  it('temp files and backups a killed run left are removed by the next add and by undo', async () => {
    const m = await app();
    const strays = [
      path.join(m.dir, '.Program.cs.pkm-999999.tmp'),
      path.join(m.dir, 'Data', 'Migrations', '.ApplicationDbContextModelSnapshot.cs.pkm-999999.bak'),
      path.join(m.dir, '.SampleShop.csproj.999998.tmp'),
    ];
    for (const f of strays) writeFileSync(f, 'half');
    expect((await runCli(['add', '--yes', '--project', m.dir])).code).toBe(0);
    for (const f of strays) expect(existsSync(f), f).toBe(false);
    writeFileSync(strays[0]!, 'half');
    expect((await runCli(['undo', '--yes', '--project', m.dir])).code).toBe(0);
    expect(existsSync(strays[0]!)).toBe(false);
  });
});

describe('the login page’s own sign-in logic', () => {
  it('is moved where it can be shared, and named line by line where it cannot (--ignore-post-login goes on)', async () => {
    const m = await materialize('login-post-work');
    made.push(m);
    const login = path.join(m.dir, 'Areas', 'Identity', 'Pages', 'Account', 'Login.cshtml.cs');
    const original = readFileSync(login, 'utf8');
    // The work after sign-in uses the "remember me" box: only the password form has it.
    writeFileSync(login, original.replace('// Greet the customer on the home page.', 'Response.Cookies.Append("remembered", Input.RememberMe.ToString());'));
    const line =
      readFileSync(login, 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('"remembered"')) + 1;
    const digest = treeDigest(m.dir);
    const refused = await runCli(['add', '--yes', '--project', m.dir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `Areas/Identity/Pages/Account/Login.cshtml.cs: the password sign-in in OnPostAsync does more than sign in, and a passkey sign-in cannot run it as it is: Areas/Identity/Pages/Account/Login.cshtml.cs:${line}: the code after sign-in uses Input.RememberMe, which only the password form has`,
    );
    expect(refused.stderr).toMatch(/--ignore-post-login/);
    expect(treeDigest(m.dir)).toBe(digest);
    const ignored = await runCli(['add', '--yes', '--ignore-post-login', '--project', m.dir]);
    expect(ignored.code, ignored.stderr).toBe(0);
    expect(ignored.stderr).toMatch(/the passkey sign-in skips what OnPostAsync does besides signing in \(--ignore-post-login\)/);
    const after = readFileSync(login, 'utf8');
    expect(after).toContain('OnPostPasskeyAsync');
    expect(after).not.toContain('SignedIn(');

    // The shareable version: the check and the work move into methods, the password path calls them.
    const m2 = await materialize('login-post-work');
    made.push(m2);
    const shared = await runCli(['add', '--yes', '--project', m2.dir]);
    expect(shared.code, shared.stderr).toBe(0);
    const text = readFileSync(path.join(m2.dir, 'Areas', 'Identity', 'Pages', 'Account', 'Login.cshtml.cs'), 'utf8');
    expect(text).toContain('if (await BeforeSignInAsync(Input.Email) is { } refusedSignIn)');
    expect(text).toContain('return SignedIn(Input.Email, returnUrl);');
    expect(text).toContain('Response.Cookies.Append("bookings-greeting", userName,');
    expect(readFileSync(path.join(m2.dir, 'Program.cs'), 'utf8')).toContain('app.MapPasskeyEndpoints<IdentityUser>(rateLimitPolicy: "login");');
    // A second run changes nothing.
    const digest2 = treeDigest(m2.dir);
    expect((await runCli(['add', '--yes', '--project', m2.dir])).code).toBe(0);
    expect(treeDigest(m2.dir)).toBe(digest2);
  });
});

describe('undo and git', () => {
  it('leaves `git status` as it was, the committed SQLite file byte for byte; a database written to meanwhile keeps its rows', async () => {
    const m = await app();
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=t@example.test', '-c', 'user.name=t', ...args], { cwd: m.dir, encoding: 'utf8' });
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'before');
    const dbBytes = createHash('sha256')
      .update(readFileSync(path.join(m.dir, 'app.db')))
      .digest('hex');
    expect((await runCli(['add', '--yes', '--project', m.dir])).code).toBe(0);
    expect(git('status', '--porcelain')).toMatch(/ M app\.db/);
    const undone = await runCli(['undo', '--yes', '--project', m.dir]);
    expect(undone.code, undone.stderr).toBe(0);
    expect(git('status', '--porcelain', '--untracked-files=all')).toBe('');
    expect(
      createHash('sha256')
        .update(readFileSync(path.join(m.dir, 'app.db')))
        .digest('hex'),
    ).toBe(dbBytes);

    // Someone registers between add and undo: the rows stay, so do the bytes, and undo says so.
    expect((await runCli(['add', '--yes', '--project', m.dir])).code).toBe(0);
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(path.join(m.dir, 'app.db'));
    db.prepare(
      "insert into AspNetUsers (Id, UserName, AccessFailedCount, EmailConfirmed, LockoutEnabled, PhoneNumberConfirmed, TwoFactorEnabled) values ('late', 'late@example.test', 0, 0, 0, 0, 0)",
    ).run();
    db.close();
    const kept = await runCli(['undo', '--yes', '--project', m.dir]);
    expect(kept.code, kept.stderr).toBe(0);
    expect(kept.stderr).toMatch(/app\.db was written to since add .*so its bytes stay/);
    const after = new Database(path.join(m.dir, 'app.db'), { readonly: true });
    expect(after.prepare("select count(*) as n from AspNetUsers where Id = 'late'").get()).toEqual({ n: 1 });
    after.close();
    expect(git('status', '--porcelain', '--untracked-files=all')).toBe(' M app.db\n');
  });
});
