/**
 * --keep-existing-columns on the project side: model configuration in the DbContext that keeps PhoneNumber (and the
 * login/token key columns, where Version3 would bound them) as they are, so that EF's model agrees with a database
 * that kept them. Added after base.OnModelCreating, or in a new OnModelCreating override.
 */
import { render } from '../core/template.js';
import type { ProjectFacts } from '../read/project/index.js';
import { addModelConfiguration } from './model-config.js';
import type { StagedTree } from './tree.js';
import { snapshotColumns } from '../read/project/snapshot.js';
import type { ProviderName } from '../read/facts.js';

const MARK = 'passkey-migrate --keep-existing-columns';

export async function planKeepColumns(facts: ProjectFacts, provider: ProviderName, tree: StagedTree): Promise<void> {
  const file = facts.identity.dbContext.file;
  const text = tree.read(file);
  if (text.includes(MARK)) return;
  const columns = snapshotColumns(facts, provider);
  const key = facts.identity.keyType === 'Guid' ? 'Guid' : facts.identity.keyType;
  const unbounded = (role: 'userLogins' | 'userTokens', name: string) => columns[role]?.find((c) => c.name === name)?.modelMaxLength == null;
  // The configuration lines, for a model builder named `builder` (templates/ef/KeepColumns.*.cs.tmpl).
  const configuration = (builder: string): string[] => {
    const values = { Builder: builder, UserType: facts.identity.userType, Key: key };
    return [
      render('ef/KeepColumns.Users.cs.tmpl', values),
      ...(unbounded('userLogins', 'LoginProvider') ? [render('ef/KeepColumns.Logins.cs.tmpl', values)] : []),
      ...(unbounded('userTokens', 'Name') ? [render('ef/KeepColumns.Tokens.cs.tmpl', values)] : []),
    ]
      .join('')
      .trimEnd()
      .split('\n');
  };
  await addModelConfiguration(facts, tree, {
    onModelCreating: configuration,
    usings: ['Microsoft.AspNetCore.Identity'],
    reason: 'keep existing columns (--keep-existing-columns)',
  });
}
