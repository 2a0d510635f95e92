/**
 * Plans AddPasskeySupport for one database: reads where the database stands (under the lock when applying, plainly
 * for --check), and lists the steps that remain, each with its SQL. No side effects.
 */
import type { Kysely } from 'kysely';
import type { ColumnInfo, Dialect, TableRef } from '../db/dialect.js';
import { passkeyDataShape, type ProjectFacts } from '../read/project/index.js';
import type { PasskeyDataShape } from '../model/schema.js';
import { HISTORY_TABLE, readHistory } from '../read/database/identity-schema.js';
import { snapshotColumns } from '../read/project/snapshot.js';
import { efCoreVersion } from './ef-version.js';
import type { ProviderName } from '../read/facts.js';
import { compareShape, isPasskeyMigrationId, newMigrationId, passkeyTableOps, planPasskeyMigration, type MigrationDefinition, type Operation } from './passkey-migration.js';

export const HISTORY: TableRef = { name: HISTORY_TABLE, schema: null };

export interface DbState {
  historyExists: boolean;
  appliedMigrations: string[];
  /** the AddPasskeySupport id recorded in the history, if any */
  appliedId: string | null;
  passkeys: 'absent' | 'complete' | 'missing-index' | 'mismatch';
  problems: string[];
  /** Identity tables the migration needs that the database does not have (the users table, and the tables whose columns change) */
  missingTables: string[];
  /** the database holds no tables at all (a new or zero-byte file) */
  empty: boolean;
  columns: Partial<Record<'users' | 'userLogins' | 'userTokens', ColumnInfo[]>>;
  /** the shape the passkeys table was compared with (Identity's JSON column, or columns on Oracle's MySQL provider) */
  passkeyData: PasskeyDataShape;
}

export type StepKind = 'alterColumn' | 'createTable' | 'createIndex' | 'history';

export interface DbStep {
  kind: StepKind;
  description: string;
  statements: string[];
  op?: Operation;
}

export interface DbPlan {
  definition: MigrationDefinition;
  state: DbState;
  status: 'up-to-date' | 'pending' | 'blocked';
  steps: DbStep[];
  /** why the plan cannot be applied as is (status blocked) */
  blockers: string[];
}

export interface DbPlanInputs {
  facts: ProjectFacts;
  provider: ProviderName;
  keepExistingColumns: boolean;
  /** the id and EF version the project's migration files will carry (`add` plans files and database together) */
  overrides?: { id?: string | null; productVersion?: string; passkeyData?: PasskeyDataShape };
}

export async function readDbState(db: Kysely<any>, dialect: Dialect, facts: ProjectFacts, passkeyData = passkeyDataShape(facts)): Promise<DbState> {
  const tables = facts.identity.tables;
  const history = await readHistory(db, dialect, [HISTORY]);
  const historyExists = history.table !== null;
  const appliedMigrations = history.rows.map((r) => r.id);
  const columns: DbState['columns'] = {};
  const missingTables: string[] = [];
  for (const role of ['users', 'userLogins', 'userTokens'] as const) {
    if (await dialect.tableExists(db, tables[role])) columns[role] = await dialect.columns(db, tables[role]);
    else missingTables.push(tableName(tables[role]));
  }
  const empty = missingTables.length === 3 && !historyExists && !(await dialect.tableExists(db, tables.userPasskeys)) && (await dialect.isEmpty?.(db)) !== false;
  let passkeys: DbState['passkeys'] = 'absent';
  let problems: string[] = [];
  if (await dialect.tableExists(db, tables.userPasskeys)) {
    const shape = await dialect.shape(db, tables.userPasskeys);
    problems = compareShape(dialect.provider, shape, passkeyTableOps(dialect.provider, facts.identity.keyType, tables, passkeyData));
    const indexOnly = problems.length === 1 && problems[0]!.startsWith('index ');
    passkeys = problems.length === 0 ? 'complete' : indexOnly ? 'missing-index' : 'mismatch';
  }
  return { historyExists, appliedMigrations, appliedId: appliedMigrations.find(isPasskeyMigrationId) ?? null, passkeys, problems, columns, missingTables, empty, passkeyData };
}

function tableName(ref: TableRef): string {
  return ref.schema ? `${ref.schema}.${ref.name}` : ref.name;
}

/**
 * The database as EF's model says it is, for planning without a connection (`db update --script`, the EF
 * migration files): no passkeys table, no history, the columns recorded in the model before AddPasskeySupport.
 */
export function modelState(facts: ProjectFacts, provider: ProviderName): DbState {
  return {
    historyExists: true,
    appliedMigrations: [],
    appliedId: null,
    passkeys: 'absent',
    problems: [],
    columns: snapshotColumns(facts, provider),
    missingTables: [],
    empty: false,
    passkeyData: passkeyDataShape(facts),
  };
}

/** Stores.MaxLengthForKeys once the app is on Version3, where 0 (or unset) means 128. */
export function version3KeyLength(facts: ProjectFacts): number {
  const configured = facts.maxLengthForKeys.configured;
  return configured && configured > 0 ? configured : 128;
}

/** The migration id shared with the EF migration files: the project's, else the database's, else a new one. */
export function migrationIdFor(facts: ProjectFacts, appliedMigrations: string[]): string {
  return facts.migrations?.migrations.find(isPasskeyMigrationId) ?? appliedMigrations.find(isPasskeyMigrationId) ?? newMigrationId();
}

/** The EF Core version that writes the history row (plan/ef-version.ts): the project's, else our built-in one. */
export function productVersionFor(facts: ProjectFacts): string {
  return efCoreVersion([facts.msbuild, ...facts.references].flatMap((p) => p.packages));
}

export async function definitionFor(inputs: DbPlanInputs, state: Pick<DbState, 'appliedMigrations' | 'columns'>): Promise<MigrationDefinition> {
  const { facts } = inputs;
  return planPasskeyMigration({
    provider: inputs.provider,
    keyType: facts.identity.keyType,
    tables: facts.identity.tables,
    id: inputs.overrides?.id ?? migrationIdFor(facts, state.appliedMigrations),
    productVersion: inputs.overrides?.productVersion ?? productVersionFor(facts),
    keepExistingColumns: inputs.keepExistingColumns,
    existingColumns: state.columns,
    maxLengthForKeys: version3KeyLength(facts),
    passkeyData: inputs.overrides?.passkeyData ?? passkeyDataShape(facts),
  });
}

export async function planDatabase(db: Kysely<any>, dialect: Dialect, inputs: DbPlanInputs): Promise<DbPlan> {
  const state = await readDbState(db, dialect, inputs.facts, inputs.overrides?.passkeyData);
  return stepsFor(await definitionFor(inputs, state), state, dialect);
}

export function stepsFor(definition: MigrationDefinition, state: DbState, dialect: Dialect): DbPlan {
  const blockers: string[] = [];
  const table = tableName;
  if (state.empty) {
    blockers.push("the database is empty (no Identity tables): run the app's own migrations first (dotnet ef database update), then passkey-migrate");
    return { definition, state, status: 'blocked', steps: [], blockers };
  }
  const users = definition.operations.find((o) => o.kind === 'createTable')!.foreignKeys[0]!.principal;
  if (state.missingTables.includes(table(users))) {
    blockers.push(
      `the database has no ${table(users)} table, which the passkeys table refers to: run the app's own migrations first (dotnet ef database update), or point --connection at the app's database`,
    );
    return { definition, state, status: 'blocked', steps: [], blockers };
  }
  if (state.appliedId) {
    if (state.passkeys === 'absent')
      blockers.push(`the history records ${state.appliedId} but ${table(definition.operations.find((o) => o.kind === 'createTable')!.table)} does not exist`);
    else if (state.passkeys === 'mismatch') blockers.push(`the passkeys table differs from what EF Core creates: ${state.problems.join('; ')}`);
    // Recorded, but the index is gone (dropped by hand, a restore without indexes): only the index is made again.
    if (state.passkeys === 'missing-index' && !blockers.length) {
      const steps: DbStep[] = dialect
        .up(definition.operations.filter((op) => op.kind === 'createIndex'))
        .map(({ op, statements }) => ({ kind: op.kind, op, statements, description: describe(op) }));
      return { definition, state, status: 'pending', steps, blockers };
    }
    return { definition, state, status: blockers.length ? 'blocked' : 'up-to-date', steps: [], blockers };
  }
  if (state.passkeys === 'mismatch') {
    blockers.push(`${table(definition.operations.find((o) => o.kind === 'createTable')!.table)} exists but differs from what EF Core creates: ${state.problems.join('; ')}`);
  }
  const remaining = definition.operations.filter((op) => {
    if (op.kind === 'createTable') return state.passkeys === 'absent';
    if (op.kind === 'createIndex') return state.passkeys === 'absent' || state.passkeys === 'missing-index';
    return true; // column changes were planned from the current columns: only those not yet in shape are here
  });
  const steps: DbStep[] = dialect.up(remaining).map(({ op, statements }) => ({ kind: op.kind, op, statements, description: describe(op) }));
  steps.push({
    kind: 'history',
    description: `record ${definition.id} (EF Core ${definition.productVersion}) in __EFMigrationsHistory`,
    statements: [dialect.historyInsert(HISTORY, definition.id, definition.productVersion)],
  });
  return { definition, state, status: blockers.length ? 'blocked' : 'pending', steps, blockers };
}

export function describe(op: Operation): string {
  const t = (ref: TableRef) => (ref.schema ? `${ref.schema}.${ref.name}` : ref.name);
  switch (op.kind) {
    case 'alterColumn':
      return `change ${t(op.table)}.${op.column.name} from ${op.old.type} to ${op.column.type}`;
    case 'createTable':
      return `create table ${t(op.table)}`;
    case 'createIndex':
      return `create index ${op.name} on ${t(op.table)}`;
  }
}
