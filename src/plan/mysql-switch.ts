/**
 * MySQL/MariaDB on .NET 10 (docs/mysql.md). Pomelo.EntityFrameworkCore.MySql has no EF Core 10 release; Oracle's
 * MySql.EntityFrameworkCore runs on EF Core 10 once Identity's passkey data is mapped as columns.
 *
 * `--switch-mysql-provider` moves a Pomelo app to Oracle's provider (the package ids are renamed by retarget.ts):
 * - `UseMySql(connection, serverVersion[, options])` becomes `UseMySQL(connection[, options])` (Oracle's provider
 *   reads the server version itself); a server version held in a local variable used nowhere else goes with it;
 * - Pomelo's helper calls in the migrations, their designers and the snapshot: the statements that only set
 *   Pomelo's annotations are removed, its value-generation annotation is written in Oracle's spelling;
 * - `using Pomelo...;` directives are removed;
 * - what remains of Pomelo's API (an option Oracle's provider lacks, a server version used elsewhere) is refused
 *   with its file and line, before anything is written.
 * Every app on Oracle's provider (switched now or before) gets the passkey model configuration
 * (templates/mysql/MySqlPasskeyModel.cs.tmpl) after base.OnModelCreating; a switched one also keeps Pomelo's
 * column types where Oracle's differ (ConfigureConventions).
 */
import path from 'node:path';
import { UserError } from '../core/errors.js';
import { render } from '../core/template.js';
import { findAll, invokedName, lineOf, parseCSharp, type SyntaxNode } from '../read/project/csharp.js';
import type { ProjectFacts } from '../read/project/index.js';
import { listCSharpFiles } from '../read/project/sources.js';
import { hasUsing, refuseSyntaxErrors, removeUsingsEdits, usingEdit } from './csharp-edit.js';
import { applyEdits, type TextEdit } from './file-change.js';
import { addModelConfiguration } from './model-config.js';
import type { StagedTree } from './tree.js';

export const POMELO = 'Pomelo.EntityFrameworkCore.MySql';
export const ORACLE_MYSQL = 'MySql.EntityFrameworkCore';
/** Oracle's provider on this machine's NuGet copy when no source answers (the version docs/mysql.md was measured with). */
export const ORACLE_MYSQL_BUILTIN = '10.0.12';

/** Options of EF Core's relational options builder, which Oracle's MySQLDbContextOptionsBuilder has too. */
const PORTABLE_OPTIONS = new Set([
  'MigrationsAssembly',
  'MigrationsHistoryTable',
  'CommandTimeout',
  'MaxBatchSize',
  'MinBatchSize',
  'UseQuerySplittingBehavior',
  'UseRelationalNulls',
  'ExecutionStrategy',
  'TranslateParameterizedCollectionsToConstants',
  'TranslateParameterizedCollectionsToParameters',
  'UseParameterizedCollectionMode',
  'EnableRetryOnFailure',
]);

/** Pomelo's statements in migrations and the snapshot that only set its own annotations. */
const POMELO_ANNOTATION_CALLS =
  /^[ \t]*MySql(?:Model|Property|EntityType)BuilderExtensions\.(?:AutoIncrementColumns|UseMySqlIdentityColumn|UseMySqlComputedColumn|HasCharSet|UseCollation|UseGuidCollation)\([^;]*\);[ \t]*\r?\n(?:[ \t]*\r?\n)?/gm;

/** What must not be left once switched (outside comments). */
const POMELO_API =
  /\b(Pomelo\.[\w.]+|MySqlServerVersion|MariaDbServerVersion|ServerVersion\.(?:AutoDetect|Create|Parse)|MySqlValueGenerationStrategy|MySql(?:Model|Property|EntityType|Index)BuilderExtensions|MySqlDbContextOptionsBuilder|UseMySql(?=\s*\())/;

export function usesPackage(facts: ProjectFacts, id: string): boolean {
  return [facts.msbuild, ...facts.references].some((p) => p.packages.some((r) => r.id.toLowerCase() === id.toLowerCase()));
}

function projectFiles(facts: ProjectFacts): string[] {
  return [facts.msbuild, ...facts.references].flatMap((p) => listCSharpFiles(p.dir).map((f) => f.path));
}

/** The projects' own C# files, without the migrations folder (EF's generated code). */
function appSources(facts: ProjectFacts): string[] {
  const migrations = facts.migrations ? path.dirname(facts.migrations.snapshotFile) + path.sep : null;
  return projectFiles(facts).filter((f) => !migrations || !f.startsWith(migrations));
}

/**
 * Oracle's provider takes EF's migration lock with `GET_LOCK(name, -1)`, which MariaDB refuses (NULL, "Incorrect
 * timeout value"): its `Migrate()` and `dotnet ef database update` fail there with "Unable to cast object of type
 * 'System.DBNull' to type 'System.Int64'" (MySql.EntityFrameworkCore 10.0.12, MariaDB 10.11). An app that applies its
 * migrations itself at startup would no longer start on MariaDB.
 */
export const MARIADB_MIGRATE_FAILURE =
  "Oracle's MySql.EntityFrameworkCore 10.0.12 takes EF's migration lock with GET_LOCK(name, -1), which MariaDB refuses, so Migrate() throws \"Unable to cast object of type 'System.DBNull' to type 'System.Int64'\" and the app would not start";

/** The C# side of the switch; returns what it changed (and where the app calls Database.Migrate()), for the plan's notes. */
export async function planPomeloSwitch(facts: ProjectFacts, tree: StagedTree): Promise<string[]> {
  const rel = (file: string) => path.relative(facts.located.root, file).split(path.sep).join('/');
  const calls: string[] = [];
  let migrationFiles = 0;
  const dropped: string[] = [];
  const schema = schemaUse(facts, tree);
  for (const file of projectFiles(facts)) {
    const text = tree.read(file);
    if (!/UseMySql|Pomelo\.|MySql\w*BuilderExtensions|MySqlValueGenerationStrategy/.test(text)) continue;
    let next = text;
    if (/\bUseMySql\s*\(/.test(next)) {
      next = await rewriteProviderCalls(file, next, schema, (option) => dropped.push(`${option} (${rel(file)})`));
      calls.push(rel(file));
    }
    if (/\busing\s+Pomelo\./.test(next)) {
      const root = (await parseCSharp(file, next)).tree.rootNode;
      next = applyEdits(
        next,
        removeUsingsEdits(root, next, (ns) => ns.startsWith('Pomelo.')),
      );
    }
    if (/\[Migration\(|:\s*(?:ModelSnapshot|Migration)\b/.test(next)) {
      const before = next;
      next = next.replace(POMELO_ANNOTATION_CALLS, '');
      next = next.replace(/"MySql:ValueGenerationStrategy",(\s*)MySqlValueGenerationStrategy\./g, '"MySQL:ValueGenerationStrategy",$1MySQLValueGenerationStrategy.');
      if (next.includes('MySQLValueGenerationStrategy.')) {
        const root = (await parseCSharp(file, next)).tree.rootNode;
        if (!hasUsing(root, next, 'MySql.EntityFrameworkCore.Metadata')) next = applyEdits(next, [usingEdit(root, next, 'MySql.EntityFrameworkCore.Metadata')]);
      }
      if (next !== before) migrationFiles++;
    }
    refuseLeftovers(file, next);
    if (next !== text) tree.write(file, next, `${POMELO} -> ${ORACLE_MYSQL}`);
  }
  if (calls.length === 0) {
    throw new UserError(`--switch-mysql-provider: no UseMySql(...) call found in the app's projects`, {
      hint: 'the DbContext is configured somewhere passkey-migrate does not read; switch the call to UseMySQL(connectionString) yourself, then run again',
    });
  }
  const migrateCalls = await findMigrateCalls(facts, tree);
  const notes = [
    `${POMELO} -> ${ORACLE_MYSQL} (--switch-mysql-provider): Pomelo has no EF Core 10 release. UseMySql(connection, serverVersion, ...) -> UseMySQL(connection, ...) in ${calls.join(', ')}` +
      (dropped.length ? `; removed ${dropped.join(', ')}, which changes nothing in a model without schemas` : '') +
      (migrationFiles ? `; Pomelo's annotation calls rewritten in ${migrationFiles} migration file${migrationFiles === 1 ? '' : 's'}` : '') +
      "; DateTimeOffset columns kept as datetime(6) (Pomelo's type); the passkey data mapped as columns (docs/mysql.md)",
    "on MariaDB, `dotnet ef database update` fails with Oracle's provider (GET_LOCK(name, -1), docs/mysql.md): apply later migrations with `dotnet ef migrations script` and the mariadb client",
  ];
  if (migrateCalls.length) notes.push(`the app calls Database.Migrate() (${migrateCalls.join(', ')}): on MariaDB, ${MARIADB_MIGRATE_FAILURE} (add refuses there)`);
  return notes;
}

/** `<x>.Database.Migrate()` / `MigrateAsync()` in the app's own code (not its migrations), as file:line. */
export async function findMigrateCalls(facts: ProjectFacts, tree: StagedTree): Promise<string[]> {
  const found: string[] = [];
  for (const file of appSources(facts)) {
    const text = tree.read(file);
    if (!/\bMigrate(?:Async)?\s*\(/.test(text)) continue;
    const root = (await parseCSharp(file, text)).tree.rootNode;
    for (const call of findAll(root, 'invocation_expression')) {
      const fn = call.childForFieldName('function');
      if (fn?.type !== 'member_access_expression' || !/^Migrate(?:Async)?$/.test(fn.childForFieldName('name')?.text ?? '')) continue;
      if (/(?:^|\.)Database$/.test(fn.childForFieldName('expression')?.text.replace(/\s+/g, '') ?? ''))
        found.push(`${path.relative(facts.located.root, file).split(path.sep).join('/')}:${lineOf(call)}`);
    }
  }
  return found;
}

/**
 * Where the model names a database schema (the snapshot, the DbContext's project files), or null. Pomelo's
 * `SchemaBehavior(Ignore | Throw)` only acts on schemas: without any, the option changes nothing and can go (the
 * EF check in the scratch copy confirms the model is the same).
 */
function schemaUse(facts: ProjectFacts, tree: StagedTree): string | null {
  const pattern = /\bHasDefaultSchema\s*\(\s*"|\bToTable\s*\(\s*"[^"]*"\s*,\s*"|\bToView\s*\(\s*"[^"]*"\s*,\s*"|\bschema:\s*"|\bSchema\s*=\s*"/;
  const files = [...(facts.migrations ? [facts.migrations.snapshotFile] : []), ...appSources(facts)];
  for (const file of files) {
    if (!tree.exists(file)) continue;
    const lines = tree.read(file).split('\n');
    const index = lines.findIndex((l) => pattern.test(l.replace(/\/\/.*$/, '')));
    if (index >= 0) return `${path.basename(file)}:${index + 1}`;
  }
  return null;
}

/** Pomelo's `SchemaBehavior` values that do nothing when the model has no schema. */
const NO_OP_WITHOUT_SCHEMAS = /^(?:Pomelo\.EntityFrameworkCore\.MySql\.Infrastructure\.)?MySqlSchemaBehavior\.(?:Ignore|Throw)$/;

/** Every `UseMySql(...)` of a file as Oracle's `UseMySQL(...)`. */
async function rewriteProviderCalls(file: string, text: string, schema: string | null, dropped: (option: string) => void): Promise<string> {
  const root = (await parseCSharp(file, text)).tree.rootNode;
  const edits: TextEdit[] = [];
  const where = (node: SyntaxNode) => `${path.basename(file)}:${lineOf(node)}`;
  for (const call of findAll(root, 'invocation_expression').filter((c) => invokedName(c) === 'UseMySql')) {
    refuseSyntaxErrors(call, file);
    const fn = call.childForFieldName('function')!;
    const name = fn.type === 'member_access_expression' ? fn.childForFieldName('name')! : fn;
    const args = (call.childForFieldName('arguments')?.namedChildren ?? []).filter((c): c is SyntaxNode => c?.type === 'argument');
    const value = (a: SyntaxNode) => a.namedChildren[a.namedChildren.length - 1]!;
    if (args.length < 2 || isLambda(value(args[0]!)) || isLambda(value(args[1]!))) {
      throw new UserError(
        `${where(call)}: UseMySql(${args.map((a) => a.text.slice(0, 20)).join(', ')}) has no connection and server version arguments passkey-migrate can rewrite`,
        {
          hint: "write it as UseMySQL(connectionString[, options]) (Oracle's provider) yourself, then run again",
        },
      );
    }
    const version = args[1]!;
    if (value(version).type === 'identifier') {
      edits.push(...serverVersionVariable(root, text, value(version), where));
    } else if (!/ServerVersion\b/.test(version.text)) {
      throw new UserError(`${where(call)}: the second argument of UseMySql, "${version.text.slice(0, 60)}", is not a server version passkey-migrate recognizes`, {
        hint: "write the call as UseMySQL(connectionString[, options]) (Oracle's provider) yourself, then run again",
      });
    }
    const options = args[2] ? pomeloOptionEdits(value(args[2]), where, schema, text, dropped) : [];
    edits.push({ at: name.startIndex, end: name.endIndex, text: 'UseMySQL' });
    if (options === 'all') {
      // Nothing left of the options: the server version and the options argument go (with a comment after it).
      const rest = /^[ \t]*\/\/[^\r\n]*/.exec(text.slice(args[2]!.endIndex));
      edits.push({ at: args[0]!.endIndex, end: args[2]!.endIndex + (rest?.[0].length ?? 0), text: '' });
    } else {
      // The comma before the server version and the server version: the options keep their line.
      edits.push({ at: args[0]!.endIndex, end: version.endIndex, text: '' }, ...options);
    }
  }
  return applyEdits(text, edits);
}

function isLambda(node: SyntaxNode): boolean {
  return node.type === 'lambda_expression';
}

/** A server version in a local variable: the declaration goes too, when the call is its only use. */
function serverVersionVariable(root: SyntaxNode, text: string, identifier: SyntaxNode, where: (n: SyntaxNode) => string): TextEdit[] {
  const declarator = findAll(root, 'variable_declarator').find((d) => d.childForFieldName('name')?.text === identifier.text || d.namedChildren[0]?.text === identifier.text);
  const statement = declarator?.parent?.parent;
  const uses = text.match(new RegExp(`\\b${identifier.text}\\b`, 'g'))?.length ?? 0;
  if (!declarator || statement?.type !== 'local_declaration_statement' || !/ServerVersion\b/.test(declarator.text) || uses !== 2) {
    throw new UserError(
      `${where(identifier)}: the server version ${identifier.text} given to UseMySql is ${declarator ? 'used elsewhere too' : 'not a local variable passkey-migrate can follow'}`,
      {
        hint: "Oracle's UseMySQL(connectionString[, options]) takes no server version: remove it and the argument yourself, then run again",
      },
    );
  }
  const start = text.lastIndexOf('\n', statement.startIndex) + 1;
  const end = text.indexOf('\n', statement.endIndex - 1) + 1 || text.length;
  return [{ at: start, end, text: '' }];
}

/**
 * Options on Pomelo's builder: the portable ones stay, a `SchemaBehavior` that does nothing in this model is removed
 * (`'all'`: nothing is left of the lambda), any other is refused with its line.
 */
function pomeloOptionEdits(options: SyntaxNode, where: (n: SyntaxNode) => string, schema: string | null, text: string, dropped: (option: string) => void): TextEdit[] | 'all' {
  const edits: TextEdit[] = [];
  if (!isLambda(options)) {
    throw new UserError(`${where(options)}: the options of UseMySql are "${options.text.slice(0, 40)}", which passkey-migrate cannot check against Oracle's provider`, {
      hint: 'write them as a lambda (o => o.MigrationsAssembly(...)), then run again',
    });
  }
  const parameter = options.namedChildren.find((c) => c?.type === 'identifier' || c?.type === 'parameter_list' || c?.type === 'implicit_parameter');
  const name = parameter?.type === 'parameter_list' ? parameter.namedChildren[0]?.childForFieldName('name')?.text : parameter?.text;
  for (const call of findAll(options, 'invocation_expression')) {
    const target = call.childForFieldName('function');
    if (target?.type !== 'member_access_expression') continue;
    // Walk a chain o.A().B() down to its root.
    let base = target.childForFieldName('expression');
    while (base?.type === 'invocation_expression') base = base.childForFieldName('function')?.childForFieldName('expression') ?? null;
    if (base?.type !== 'identifier' || base.text !== name) continue;
    const method = invokedName(call)!;
    const argument = call.childForFieldName('arguments')?.namedChildren.filter((c) => c?.type === 'argument') ?? [];
    if (method === 'SchemaBehavior' && argument.length === 1 && NO_OP_WITHOUT_SCHEMAS.test(argument[0]!.text.replace(/\s+/g, ''))) {
      if (schema) {
        throw new UserError(
          `${where(call)}: SchemaBehavior(...) is an option of Pomelo's provider that Oracle's MySql.EntityFrameworkCore does not have, and the model names a schema (${schema})`,
          {
            hint: "remove the schema from the model or map it yourself for Oracle's provider (docs/mysql.md), or keep Pomelo and wait for its EF Core 10 release (PomeloFoundation/Pomelo.EntityFrameworkCore.MySql#2007)",
          },
        );
      }
      dropped(`SchemaBehavior(${argument[0]!.text.replace(/^.*\./, '')})`);
      const body = options.childForFieldName('body');
      const receiver = target.childForFieldName('expression')!;
      if (body && body.startIndex === call.startIndex && body.endIndex === call.endIndex && receiver.type === 'identifier') return 'all';
      const statement = call.parent?.type === 'expression_statement' ? call.parent : null;
      if (statement && receiver.type === 'identifier') {
        const start = text.lastIndexOf('\n', statement.startIndex) + 1;
        edits.push({ at: start, end: text.indexOf('\n', statement.endIndex - 1) + 1 || statement.endIndex, text: '' });
      } else edits.push({ at: receiver.endIndex, end: call.endIndex, text: '' });
      continue;
    }
    if (!PORTABLE_OPTIONS.has(method)) {
      throw new UserError(`${where(call)}: ${method}(...) is an option of Pomelo's provider that Oracle's MySql.EntityFrameworkCore does not have`, {
        hint: `remove it (docs/mysql.md lists what switching loses), or keep Pomelo and wait for its EF Core 10 release (PomeloFoundation/Pomelo.EntityFrameworkCore.MySql#2007)`,
      });
    }
  }
  return edits;
}

function refuseLeftovers(file: string, text: string): void {
  const lines = text.split('\n');
  const index = lines.findIndex((l) => POMELO_API.test(l.replace(/\/\/.*$/, '')));
  if (index < 0) return;
  const found = POMELO_API.exec(lines[index]!.replace(/\/\/.*$/, ''))![1];
  throw new UserError(
    `${path.basename(file)}:${index + 1} uses ${found}, which is Pomelo's and has no counterpart passkey-migrate can write for Oracle's MySql.EntityFrameworkCore`,
    {
      hint: "rewrite that line for Oracle's provider (docs/mysql.md), or keep Pomelo and wait for its EF Core 10 release",
    },
  );
}

/** The passkey model configuration for Oracle's provider; with `keepPomeloTypes`, Pomelo's column types too. */
export async function planOracleMysqlModel(facts: ProjectFacts, tree: StagedTree, keepPomeloTypes: boolean): Promise<void> {
  const context = facts.identity.dbContext;
  if (tree.read(context.file).includes('MapPasskeyDataAsColumns')) return;
  const helper = path.join(path.dirname(context.file), 'MySqlPasskeyModel.cs');
  if (!tree.exists(helper)) {
    const text = render('mysql/MySqlPasskeyModel.cs.tmpl', { Namespace: context.namespace ?? '' });
    tree.create(helper, context.namespace ? text : text.replace(/^namespace ;\n\n/m, ''), 'passkey data as columns for MySql.EntityFrameworkCore');
  }
  await addModelConfiguration(facts, tree, {
    onModelCreating: (builder) => [`${builder}.MapPasskeyDataAsColumns<${facts.identity.keyType}>();`],
    configureConventions: keepPomeloTypes ? (builder) => [`${builder}.KeepPomeloColumnTypes();`] : undefined,
    usings: [],
    reason: 'passkey data as columns for MySql.EntityFrameworkCore',
  });
}
