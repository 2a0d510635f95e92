/**
 * Passkey adoption, read from the app's database for `stats`: counts only, never a user's data. Users and users
 * with a passkey are counted in SQL; the passkeys are read in pages by credential id (keyset, the same SQL shape
 * on every engine), and each one's `Data` (Identity's JSON: CreatedAt, SignCount, IsBackupEligible, IsBackedUp,
 * AttestationObject) is summarized in memory and dropped.
 */
import { sql, type Kysely, type QueryResult, type RawBuilder } from 'kysely';
import type { Dialect, TableRef } from '../../db/dialect.js';
import { providerName } from './aaguids.js';

export interface Adoption {
  users: number;
  usersWithPasskey: number;
  /** usersWithPasskey / users, 0..1 (0 without users) */
  share: number;
  passkeys: number;
  /** users by how many passkeys they have: "1", "2", "3+" */
  passkeysPerUser: Record<'1' | '2' | '3+', number>;
  /** backed up (synced), backup-eligible but not backed up, device-bound (not eligible) */
  backup: { synced: number; notYetSynced: number; deviceBound: number };
  providers: { name: string; passkeys: number }[];
  /** passkeys created per week, the last 12 weeks (Monday 00:00 UTC), oldest first */
  createdPerWeek: { week: string; passkeys: number }[];
  /** passkeys whose signature counter moved (used at least once by an authenticator that counts) */
  signCountsMoving: number;
}

/**
 * `{ "fmt": "none", "attStmt": {}, "authData": ` in CBOR: what Identity stores for the default attestation
 * conveyance ("none"). Objects that start with exactly these bytes have their authData read in place (a CBOR
 * decoder costs ~45 µs per object, 14 s on 300,000 passkeys); any other object goes through cbor2.
 */
const NONE_PREFIX = Buffer.from('a363666d74646e6f6e656761747453746d74a068617574684461746158', 'hex');

function authDataOf(attestationObject: Uint8Array, decode: (bytes: Uint8Array) => unknown): Uint8Array | null {
  if (attestationObject.length > NONE_PREFIX.length && Buffer.from(attestationObject.buffer, attestationObject.byteOffset, NONE_PREFIX.length).equals(NONE_PREFIX)) {
    const length = attestationObject[NONE_PREFIX.length]!; // 0x58: a byte string with a one-byte length
    return attestationObject.subarray(NONE_PREFIX.length + 1, NONE_PREFIX.length + 1 + length);
  }
  try {
    const decoded = decode(attestationObject) as Map<string, unknown> | Record<string, unknown>;
    const authData = decoded instanceof Map ? decoded.get('authData') : decoded.authData;
    return authData instanceof Uint8Array ? authData : null;
  } catch {
    return null;
  }
}

/** The AAGUID in an attestation object (authData: rpIdHash 32, flags 1, counter 4, then the AAGUID, 16). */
export function aaguidOf(attestationObject: Uint8Array, decode: (bytes: Uint8Array) => unknown): string | null {
  const authData = authDataOf(attestationObject, decode);
  if (!authData || authData.length < 53 || (authData[32]! & 0x40) === 0) return null;
  const hex = Buffer.from(authData.subarray(37, 53)).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function weekStart(date: Date): number {
  const d = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
  const day = (new Date(d).getUTCDay() + 6) % 7; // Monday = 0
  return d - day * 86_400_000;
}

export async function readAdoption(
  db: Kysely<any>,
  dialect: Dialect,
  tables: { users: TableRef; userPasskeys: TableRef },
  options: { now?: Date; pageSize?: number; onProgress?: (read: number, total: number) => void } = {},
): Promise<Adoption> {
  const users = sql.raw(dialect.quoteTable(tables.users));
  const passkeys = sql.raw(dialect.quoteTable(tables.userPasskeys));
  const counted = await sql<{ users: number | string; passkeys: number | string; owners: number | string }>`
    select (select count(*) from ${users}) as ${sql.ref('users')}, (select count(*) from ${passkeys}) as ${sql.ref('passkeys')},
      (select count(distinct ${sql.ref('UserId')}) from ${passkeys}) as ${sql.ref('owners')}`.execute(db);
  const row = counted.rows[0]!;
  const total = Number(row.passkeys);
  const perUser = await sql<{ n: number | string; c: number | string }>`
    select ${sql.ref('n')}, count(*) as ${sql.ref('c')} from (select count(*) as ${sql.ref('n')} from ${passkeys} group by ${sql.ref('UserId')}) ${sql.raw(dialect.provider === 'sqlserver' ? 'as t' : 't')} group by ${sql.ref('n')}`.execute(
    db,
  );
  const passkeysPerUser = { '1': 0, '2': 0, '3+': 0 };
  for (const r of perUser.rows) passkeysPerUser[Number(r.n) >= 3 ? '3+' : (String(Number(r.n)) as '1' | '2')] += Number(r.c);

  const now = options.now ?? new Date();
  const thisWeek = weekStart(now);
  const weeks = Array.from({ length: 12 }, (_, i) => thisWeek - (11 - i) * 7 * 86_400_000);
  const perWeek = new Map(weeks.map((w) => [w, 0]));
  const backup = { synced: 0, notYetSynced: 0, deviceBound: 0 };
  const providers = new Map<string, number>();
  let signCountsMoving = 0;
  const { decode } = await import('cbor2');
  let read = 0;
  let after: Uint8Array | null = null;
  const pageSize = options.pageSize ?? 5000;
  for (;;) {
    const where: RawBuilder<unknown> = after ? sql`where ${sql.ref('CredentialId')} > ${after}` : sql``;
    const page: QueryResult<{ CredentialId: Uint8Array; Data: unknown }> = await (
      dialect.provider === 'sqlserver'
        ? sql<{
            CredentialId: Uint8Array;
            Data: unknown;
          }>`select top (${sql.lit(pageSize)}) ${sql.ref('CredentialId')}, ${sql.ref('Data')} from ${passkeys} ${where} order by ${sql.ref('CredentialId')}`
        : sql<{
            CredentialId: Uint8Array;
            Data: unknown;
          }>`select ${sql.ref('CredentialId')}, ${sql.ref('Data')} from ${passkeys} ${where} order by ${sql.ref('CredentialId')} limit ${sql.lit(pageSize)}`
    ).execute(db);
    for (const p of page.rows) {
      const data = (typeof p.Data === 'string' ? safeJson(p.Data) : p.Data) as Record<string, unknown> | null;
      if (data) {
        if (data.IsBackedUp === true) backup.synced++;
        else if (data.IsBackupEligible === true) backup.notYetSynced++;
        else backup.deviceBound++;
        if (Number(data.SignCount ?? 0) > 0) signCountsMoving++;
        const created = typeof data.CreatedAt === 'string' ? new Date(data.CreatedAt) : null;
        if (created && !Number.isNaN(created.getTime())) {
          const w = weekStart(created);
          if (perWeek.has(w)) perWeek.set(w, perWeek.get(w)! + 1);
        }
        const attestation = typeof data.AttestationObject === 'string' ? Buffer.from(data.AttestationObject, 'base64') : null;
        const name = providerName(attestation ? aaguidOf(attestation, decode) : null);
        providers.set(name, (providers.get(name) ?? 0) + 1);
      } else {
        backup.deviceBound++;
        providers.set(providerName(null), (providers.get(providerName(null)) ?? 0) + 1);
      }
    }
    read += page.rows.length;
    options.onProgress?.(read, total);
    if (page.rows.length < pageSize) break;
    after = page.rows.at(-1)!.CredentialId;
  }
  const userCount = Number(row.users);
  const owners = Number(row.owners);
  return {
    users: userCount,
    usersWithPasskey: owners,
    share: userCount ? owners / userCount : 0,
    passkeys: total,
    passkeysPerUser,
    backup,
    providers: [...providers].map(([name, n]) => ({ name, passkeys: n })).sort((a, b) => b.passkeys - a.passkeys || a.name.localeCompare(b.name)),
    createdPerWeek: weeks.map((w) => ({ week: new Date(w).toISOString().slice(0, 10), passkeys: perWeek.get(w)! })),
    signCountsMoving,
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
