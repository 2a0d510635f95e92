/**
 * Column facts from the EF model snapshot (generated code of a fixed shape), for planning without a database
 * (`db update --script`): the store types EF recorded for the columns Version3 may reshape.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ColumnInfo, TableRef } from '../../model/schema.js';
import { engineTypes } from '../../db/registry.js';
import { readText } from '../text.js';
import type { IdentityTableRole, ProviderName } from '../facts.js';
import type { MigrationsFacts } from './migrations.js';

/** What the snapshot readers need of the project facts. */
interface SnapshotInputs {
  migrations: MigrationsFacts | null;
  identity: { tables: Record<IdentityTableRole, TableRef> };
}

export function snapshotColumns(facts: SnapshotInputs, provider: ProviderName): Partial<Record<'users' | 'userLogins' | 'userTokens', ColumnInfo[]>> {
  const wanted = { users: ['PhoneNumber'], userLogins: ['LoginProvider', 'ProviderKey'], userTokens: ['LoginProvider', 'Name'] } as const;
  const text = modelBeforePasskeys(facts);
  const blocks = text.split(/modelBuilder\.Entity\("/).slice(1);
  const out: Partial<Record<'users' | 'userLogins' | 'userTokens', ColumnInfo[]>> = {};
  for (const [role, columns] of Object.entries(wanted) as [keyof typeof wanted, readonly string[]][]) {
    const tableName = facts.identity.tables[role].name;
    const block = blocks.find((b) => new RegExp(`\\.ToTable\\("${tableName}"`).test(b) && /b\.Property</.test(b));
    out[role] = columns.map((name) => {
      const property = block ? (new RegExp(`b\\.Property<[^>]+>\\("${name}"\\)([^;]*);`).exec(block)?.[1] ?? '') : '';
      const type = /HasColumnType\("([^"]+)"\)/.exec(property)?.[1] ?? engineTypes(provider).unboundedString;
      const required = /IsRequired\(\)/.test(property) || role !== 'users';
      const maxLength = /HasMaxLength\((\d+)\)/.exec(property)?.[1];
      return { name, type, nullable: !required, default: null, modelMaxLength: maxLength ? Number(maxLength) : null };
    });
  }
  return out;
}

/**
 * The model as it was before AddPasskeySupport: the target model of the migration before it (its Designer.cs) when
 * the project already has AddPasskeySupport, else the model snapshot.
 */
function modelBeforePasskeys(facts: SnapshotInputs): string {
  const m = facts.migrations;
  if (!m) return '';
  const index = m.migrations.findIndex((id) => /_AddPasskeySupport$/.test(id));
  if (index > 0) {
    const designer = path.join(m.folder, `${m.migrations[index - 1]}.Designer.cs`);
    if (existsSync(designer)) return readText(designer);
  }
  return readText(m.snapshotFile);
}

const GENERIC_ROLES: Record<string, IdentityTableRole> = {
  IdentityUser: 'users',
  IdentityRole: 'roles',
  IdentityUserClaim: 'userClaims',
  IdentityUserLogin: 'userLogins',
  IdentityUserToken: 'userTokens',
  IdentityUserRole: 'userRoles',
  IdentityRoleClaim: 'roleClaims',
  IdentityUserPasskey: 'userPasskeys',
};

/**
 * The Identity tables as EF's model snapshot records them: EF's own account of the model, also where the app maps
 * its tables outside the DbContext (an IModelBuilder found by reflection, a module's configuration class).
 */
export function snapshotTables(snapshotText: string, userType: string, roleType: string | null): Partial<Record<IdentityTableRole, { name: string; schema: string | null }>> {
  const out: Partial<Record<IdentityTableRole, { name: string; schema: string | null }>> = {};
  for (const block of snapshotText.split(/modelBuilder\.Entity\("/).slice(1)) {
    if (!/b\.Property</.test(block.slice(0, block.search(/\n\s{12}\}\);/) >>> 0))) continue;
    const clr = block.slice(0, block.indexOf('"'));
    const simple = clr.replace(/<.*$/, '').replace(/^.*\./, '');
    const role: IdentityTableRole | undefined =
      simple === userType.replace(/<.*$/, '').replace(/^.*\./, '')
        ? 'users'
        : roleType && simple === roleType.replace(/<.*$/, '').replace(/^.*\./, '')
          ? 'roles'
          : GENERIC_ROLES[simple];
    const table = /b\.ToTable\("([^"]+)"(?:\s*,\s*(?:"([^"]+)"|\(string\)null))?/.exec(block);
    if (role && table && !out[role]) out[role] = { name: table[1]!, schema: table[2] ?? null };
  }
  return out;
}
