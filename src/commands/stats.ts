/**
 * `passkey-migrate stats`: how far the app's users have come onto passkeys, read from its database without
 * changing it: users, users with a passkey, passkeys per user, synced versus device-bound, providers (by
 * AAGUID), passkeys created per week for the last 12 weeks, and how many passkeys' signature counters moved.
 * Counts only: no user name, e-mail, id or credential leaves the database.
 */
import { ExitCode, UserError } from '../core/errors.js';
import type { Output } from '../core/output.js';
import { explained } from '../apply/db-apply.js';
import { readAdoption, type Adoption } from '../read/database/adoption.js';
import { loadDbContext, openDatabase } from './db-context.js';
import type { TargetOptions } from './target.js';

export interface StatsOptions extends TargetOptions {
  connectTimeout?: number;
  /** for tests: the week the report ends in */
  now?: Date;
}

export async function stats(options: StatsOptions, out: Output): Promise<number> {
  const ctx = await loadDbContext(options);
  const { db, target } = await openDatabase(ctx, options, { readOnly: true });
  try {
    const tables = { users: ctx.facts.identity.tables.users, userPasskeys: ctx.facts.identity.tables.userPasskeys };
    if (!(await explained(ctx.dialect, db, 'read the database', () => ctx.dialect.tableExists(db, tables.userPasskeys)))) {
      throw new UserError(`${target.display} has no ${tables.userPasskeys.name} table yet, so no passkeys to count`, {
        hint: 'run passkey-migrate add first',
        code: 'no-passkeys-table',
      });
    }
    // A spinner for a long read, ended however the read ends (rows deleted meanwhile included).
    let done: ((outcome?: string) => void) | null = null;
    let read = 0;
    const adoption = await explained(ctx.dialect, db, 'read the passkeys', () =>
      readAdoption(db, ctx.dialect, tables, {
        now: options.now ?? (process.env.PASSKEY_MIGRATE_STATS_NOW ? new Date(process.env.PASSKEY_MIGRATE_STATS_NOW) : undefined),
        onProgress: (n, total) => {
          read = n;
          if (total > 50_000 && !done) done = out.progress(`reading ${total} passkeys`);
        },
      }),
    ).finally(() => (done as ((outcome?: string) => void) | null)?.(`${read} read`));
    if (out.json) out.document({ command: 'stats', status: 'ok', database: { target: target.display }, adoption });
    else print(out, `${ctx.facts.msbuild.name} (${target.display})`, adoption);
    return ExitCode.ok;
  } finally {
    await db.destroy();
  }
}

function print(out: Output, what: string, a: Adoption): void {
  const pct = (n: number, of: number) => (of ? `${((100 * n) / of).toFixed(1)}%` : '-');
  const row = (label: string, value: string) => out.line(`  ${label.padEnd(22)} ${value}`);
  out.line(out.style('heading', `Passkey adoption: ${what}`));
  row('users', String(a.users));
  row('with a passkey', `${a.usersWithPasskey} (${pct(a.usersWithPasskey, a.users)})`);
  row('passkeys', `${a.passkeys} (users with 1: ${a.passkeysPerUser['1']}, 2: ${a.passkeysPerUser['2']}, 3 or more: ${a.passkeysPerUser['3+']})`);
  row('synced', `${a.backup.synced} (${pct(a.backup.synced, a.passkeys)}); eligible, not yet synced ${a.backup.notYetSynced}; device-bound ${a.backup.deviceBound}`);
  row('providers', a.providers.map((p) => `${p.name} ${p.passkeys}`).join(', ') || '-');
  row('created per week', `${a.createdPerWeek.map((w) => w.passkeys).join(' ')}  (12 weeks from ${a.createdPerWeek[0]?.week}, Mondays UTC)`);
  row('sign counts moving', `${a.signCountsMoving} of ${a.passkeys} ${out.style('dim', '(synced passkeys always report 0, so this is not a count of sign-ins)')}`);
}
