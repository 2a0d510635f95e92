/** From project facts to the EF migration files of AddPasskeySupport (no database needed: the model says it all). */
import type { ProjectFacts } from '../read/project/index.js';
import type { ProviderName } from '../read/facts.js';
import { definitionFor, modelState, version3KeyLength } from './db-plan.js';
import { efFiles, type ColumnReshape, type EfFiles } from './ef-files.js';
import type { MigrationDefinition } from './passkey-migration.js';
import type { StagedTree } from './tree.js';

export interface EfMigrationPlan {
  definition: MigrationDefinition;
  files: EfFiles;
}

export async function planEfMigration(
  facts: ProjectFacts,
  provider: ProviderName,
  tree: StagedTree,
  options: { keepExistingColumns: boolean; id?: string; productVersion?: string },
): Promise<EfMigrationPlan | null> {
  const migrations = facts.migrations;
  if (!migrations) return null;
  let definition = await definitionFor({ facts, provider, keepExistingColumns: options.keepExistingColumns }, modelState(facts, provider));
  if (options.id) definition = { ...definition, id: options.id };
  if (options.productVersion) definition = { ...definition, productVersion: options.productVersion };
  const tables = facts.identity.tables;
  const keys = version3KeyLength(facts);
  const reshapes: ColumnReshape[] = options.keepExistingColumns
    ? []
    : [
        { table: tables.users.name, column: 'PhoneNumber', maxLength: 256 },
        { table: tables.userLogins.name, column: 'LoginProvider', maxLength: keys },
        { table: tables.userLogins.name, column: 'ProviderKey', maxLength: keys },
        { table: tables.userTokens.name, column: 'LoginProvider', maxLength: keys },
        { table: tables.userTokens.name, column: 'Name', maxLength: keys },
      ];
  const files = await efFiles({
    provider,
    definition,
    keyType: facts.identity.keyType,
    reshapes,
    snapshotText: tree.read(migrations.snapshotFile),
    migrationsNamespace: migrations.namespace ?? `${facts.identity.dbContext.namespace ?? facts.msbuild.name}.Migrations`,
    dbContext: { name: facts.identity.dbContext.name, namespace: facts.identity.dbContext.namespace },
    folder: migrations.folder,
  });
  return { definition, files };
}
