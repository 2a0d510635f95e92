/**
 * `passkey-migrate stats` on real SQLite, PostgreSQL and MariaDB databases with known passkey rows (Identity's
 * JSON Data, attestation objects carrying known AAGUIDs): the report gives exactly the numbers put in, its
 * --json validates against the schema, and no user data (ids, names, e-mails, credential ids) is in the output.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { encode } from 'cbor2';
import { afterAll, describe, expect, it } from 'vitest';
import { materialize, type Materialized } from '../helpers/fixtures.js';
import { execute, seedUsers, type SeedTarget } from '../helpers/seed.js';
import { repoRoot, runCli } from '../helpers/run.js';

const validate = new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(path.join(repoRoot, 'schema', 'passkey-migrate.schema.json'), 'utf8')));

const GOOGLE = 'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4';
const ICLOUD = 'fbfc3007-154e-4ecc-8c0b-6e020557d7bd';
const ZERO = '00000000-0000-0000-0000-000000000000';

/** An attestation object ("none") whose authenticator data carries the AAGUID. */
function attestation(aaguid: string): string {
  const authData = Buffer.concat([
    Buffer.alloc(32, 7),
    Buffer.from([0x45]),
    Buffer.from([0, 0, 0, 0]),
    Buffer.from(aaguid.replace(/-/g, ''), 'hex'),
    Buffer.from([0, 2, 9, 9]),
    Buffer.from([0xa0]),
  ]);
  return Buffer.from(
    encode(
      new Map<string, unknown>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', new Uint8Array(authData)],
      ]),
    ),
  ).toString('base64'); // a byte string (cbor2 would write a Buffer as a map)
}

function data(p: { createdAt: string; signCount: number; eligible: boolean; backedUp: boolean; aaguid: string }): string {
  return JSON.stringify({
    PublicKey: 'AQID',
    Name: 'Secret Name Of A User',
    CreatedAt: p.createdAt,
    SignCount: p.signCount,
    Transports: ['internal'],
    IsUserVerified: true,
    IsBackupEligible: p.eligible,
    IsBackedUp: p.backedUp,
    AttestationObject: attestation(p.aaguid),
    ClientDataJson: 'e30=',
  });
}

// "Now" is Wednesday 2026-12-02: the report's last week starts Monday 2026-11-30.
const NOW = '2026-12-02T12:00:00Z';
const PASSKEYS = [
  { user: 0, id: '01', createdAt: '2026-11-30T09:00:00+00:00', signCount: 0, eligible: true, backedUp: true, aaguid: GOOGLE },
  { user: 0, id: '02', createdAt: '2026-11-24T09:00:00+00:00', signCount: 4, eligible: false, backedUp: false, aaguid: ZERO },
  { user: 1, id: '03', createdAt: '2026-12-01T23:59:00+00:00', signCount: 0, eligible: true, backedUp: true, aaguid: ICLOUD },
  { user: 2, id: '04', createdAt: '2026-09-01T10:00:00+00:00', signCount: 0, eligible: true, backedUp: false, aaguid: GOOGLE },
  { user: 2, id: '05', createdAt: '2026-11-02T10:00:00+00:00', signCount: 1, eligible: true, backedUp: true, aaguid: GOOGLE },
  { user: 2, id: '06', createdAt: '2026-11-03T10:00:00+00:00', signCount: 0, eligible: true, backedUp: true, aaguid: 'cafebabe-0000-4000-8000-000000000001' },
];
const USERS = 10;

interface Engine {
  name: string;
  fixture: string;
  seed: (m: Materialized) => SeedTarget;
  insert: (p: (typeof PASSKEYS)[number], json: string) => string;
}

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
const engines: Engine[] = [
  {
    name: 'SQLite',
    fixture: 'webapp-sqlite',
    seed: (m) => ({ kind: 'sqlite', target: path.join(m.dir, 'app.db'), users: 'AspNetUsers', claims: 'AspNetUserClaims', logins: 'AspNetUserLogins', key: 'string' }),
    insert: (p, json) =>
      `INSERT INTO "AspNetUserPasskeys" ("CredentialId", "UserId", "Data") SELECT X'${p.id}', "Id", ${lit(json)} FROM "AspNetUsers" ORDER BY "Id" LIMIT 1 OFFSET ${p.user}`,
  },
  {
    name: 'PostgreSQL',
    fixture: 'guid-postgres',
    seed: (m) => ({ kind: 'postgres', target: m.database!, schema: 'auth', users: 'AspNetUsers', claims: 'AspNetUserClaims', logins: 'AspNetUserLogins', key: 'uuid' }),
    insert: (p, json) =>
      `INSERT INTO auth."AspNetUserPasskeys" ("CredentialId", "UserId", "Data") SELECT '\\x${p.id}'::bytea, "Id", CAST(${lit(json)} AS jsonb) FROM auth."AspNetUsers" ORDER BY "Id" LIMIT 1 OFFSET ${p.user}`,
  },
  {
    name: 'MariaDB',
    fixture: 'multi-mysql',
    seed: (m) => ({ kind: 'mysql', target: m.database!, users: 'Users', claims: 'UserClaims', logins: 'UserLogins', key: 'int' }),
    insert: (p, json) =>
      `INSERT INTO \`AspNetUserPasskeys\` (\`CredentialId\`, \`UserId\`, \`Data\`) SELECT X'${p.id}', \`Id\`, ${lit(json)} FROM \`Users\` ORDER BY \`Id\` LIMIT 1 OFFSET ${p.user}`,
  },
];

const made: Materialized[] = [];
afterAll(async () => {
  for (const m of made) await m.cleanup();
});

describe.each(engines)('stats on $name', (engine) => {
  it('gives the known numbers, validates, and prints no user data', async () => {
    const m = await materialize(engine.fixture);
    made.push(m);
    const seed = engine.seed(m);
    await seedUsers(seed, USERS);
    const before = await runCli(['stats', '--project', m.dir], { env: m.env });
    expect(before.code).toBe(1);
    expect(before.stderr).toMatch(/has no AspNetUserPasskeys table yet, so no passkeys to count \(run passkey-migrate add first\)/);
    const updated = await runCli(['db', 'update', '--project', m.dir], { env: m.env });
    expect(updated.code, updated.stderr).toBe(0);
    await execute(
      seed,
      PASSKEYS.map((p) => engine.insert(p, data(p))),
    );

    const result = await runCli(['stats', '--json', '--project', m.dir], { env: { ...m.env, PASSKEY_MIGRATE_STATS_NOW: NOW } });
    expect(result.code, result.stderr).toBe(0);
    const doc = JSON.parse(result.stdout);
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    const weeks = doc.adoption.createdPerWeek;
    expect(weeks[0].week).toBe('2026-09-14');
    expect(weeks[11]).toEqual({ week: '2026-11-30', passkeys: 2 });
    expect(weeks[10]).toEqual({ week: '2026-11-23', passkeys: 1 });
    expect(weeks.find((w: { week: string }) => w.week === '2026-11-02')).toEqual({ week: '2026-11-02', passkeys: 2 });
    expect(weeks.reduce((n: number, w: { passkeys: number }) => n + w.passkeys, 0)).toBe(5); // 2026-09-01 is older than 12 weeks
    expect(doc.adoption).toMatchObject({
      users: USERS,
      usersWithPasskey: 3,
      share: 0.3,
      passkeys: 6,
      passkeysPerUser: { '1': 1, '2': 1, '3+': 1 },
      backup: { synced: 4, notYetSynced: 1, deviceBound: 1 },
      signCountsMoving: 2,
    });
    expect(doc.adoption.providers).toEqual([
      { name: 'Google Password Manager', passkeys: 3 },
      { name: 'iCloud Keychain', passkeys: 1 },
      { name: 'not disclosed (AAGUID zero)', passkeys: 1 },
      { name: 'unknown (cafebabe-0000-4000-8000-000000000001)', passkeys: 1 },
    ]);

    const text = await runCli(['stats', '--project', m.dir], { env: { ...m.env, PASSKEY_MIGRATE_STATS_NOW: NOW } });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/with a passkey\s+3 \(30\.0%\)/);
    for (const output of [result.stdout, text.stdout]) {
      expect(output).not.toMatch(/Secret Name|@example|user\d+@/i);
      expect(output).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?!\))/); // no user id (only the unknown AAGUID, in its parentheses)
    }
  });
});
