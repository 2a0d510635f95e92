/**
 * The EF Core migration files for AddPasskeySupport, as `dotnet ef migrations add AddPasskeySupport` writes them
 * after the switch to Identity schema Version3: `<id>_AddPasskeySupport.cs` (Up/Down from the one migration
 * definition), `<id>_AddPasskeySupport.Designer.cs` and the updated model snapshot (the existing snapshot edited
 * with the C# parser: product version, the reshaped columns, the passkey entity and its relationship).
 */
import { engineTypes } from '../db/registry.js';
import { UserError } from '../core/errors.js';
import { IndentedBuilder } from '../core/indented.js';
import { applyEdits, type TextEdit } from './file-change.js';
import path from 'node:path';
import { render } from '../core/template.js';
import { findAll, invokedName, parseCSharp, stringValue, argumentNodes, type SyntaxNode } from '../read/project/csharp.js';
import type { ProviderName } from '../read/facts.js';
import { boundedString, type AlterColumnOp, type ColumnDef, type MigrationDefinition, type Operation } from './passkey-migration.js';
import type { TableRef } from '../db/dialect.js';

export interface ColumnReshape {
  table: string;
  column: string;
  maxLength: number;
}

export interface EfFilesInputs {
  provider: ProviderName;
  definition: MigrationDefinition;
  keyType: string;
  /** the model's column changes (also on SQLite, where the database keeps TEXT) */
  reshapes: ColumnReshape[];
  snapshotText: string;
  migrationsNamespace: string;
  dbContext: { name: string; namespace?: string };
  folder: string;
}

export interface EfFiles {
  migration: { path: string; text: string };
  designer: { path: string; text: string };
  snapshot: { text: string };
}

const BOM = '\uFEFF';
const CLR_NAMES: Record<string, string> = { string: 'string', Guid: 'System.Guid', int: 'int', long: 'long' };

export async function efFiles(inputs: EfFilesInputs): Promise<EfFiles> {
  // Work on LF text; the snapshot and its designer keep the snapshot's own line endings.
  const eol = inputs.snapshotText.includes('\r\n') ? '\r\n' : '\n';
  const snapshot = await updateSnapshot({ ...inputs, snapshotText: inputs.snapshotText.replace(/\r\n/g, '\n') });
  const withEol = (text: string) => (eol === '\n' ? text : text.replace(/\n/g, eol));
  const name = inputs.definition.id;
  return {
    migration: { path: path.join(inputs.folder, `${name}.cs`), text: migrationText(inputs) },
    // EF writes its files as UTF-8 with a BOM (File.WriteAllText with Encoding.UTF8).
    designer: { path: path.join(inputs.folder, `${name}.Designer.cs`), text: BOM + withEol(designerText(snapshot, name)) },
    snapshot: { text: withEol(snapshot) },
  };
}

// ---------------------------------------------------------------- the migration class

function migrationText(inputs: EfFilesInputs): string {
  const ops = inputs.definition.operations;
  const usesSystem = ops.some((op) => op.kind === 'createTable' && op.columns.some((c) => c.clrType === 'Guid'));
  const usings = `${usesSystem ? 'using System;\n' : ''}using Microsoft.EntityFrameworkCore.Migrations;\n`;
  const alters = ops.filter((op): op is AlterColumnOp => op.kind === 'alterColumn');
  const up = ops.map((op) => upCode(op)).join('\n\n');
  const create = ops.find((op) => op.kind === 'createTable')!;
  // EF's Down drops the table first, then restores the columns in the order Up changed them.
  const down = [dropTableCode(create.table), ...alters.map((op) => alterCode(op, 'down'))].join('\n\n');
  return BOM + render('ef/Migration.cs.tmpl', { Usings: usings, Namespace: inputs.migrationsNamespace, ClassName: 'AddPasskeySupport', Up: up, Down: down });
}

const str = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** The body of Up/Down: inside namespace, class and method (three levels). */
const BODY_LEVEL = 3;

/** `receiver(` then one named argument a line, the last closing the call, as EF's migration generator writes them. */
function namedCall(b: IndentedBuilder, head: string, args: [name: string, value: string][]): void {
  b.line(`${head}(`);
  b.indented(() => args.forEach(([name, value], i) => b.line(`${name}: ${value}${i < args.length - 1 ? ',' : ');'}`)));
}

function schemaArg(ref: TableRef, key = 'schema'): [string, string][] {
  return ref.schema ? [[key, str(ref.schema)]] : [];
}

function upCode(op: Operation): string {
  const b = new IndentedBuilder(BODY_LEVEL);
  switch (op.kind) {
    case 'alterColumn':
      return alterCode(op, 'up');
    case 'createIndex':
      namedCall(b, 'migrationBuilder.CreateIndex', [
        ['name', str(op.name)],
        ...schemaArg(op.table),
        ['table', str(op.table.name)],
        ['column', str(op.columns[0]!)],
        ...(op.unique ? ([['unique', 'true']] as [string, string][]) : []),
      ]);
      return b.toString();
    case 'createTable':
      b.line('migrationBuilder.CreateTable(');
      b.indented(() => {
        b.line(`name: ${str(op.table.name)},`);
        for (const [key, value] of schemaArg(op.table)) b.line(`${key}: ${value},`);
        b.line('columns: table => new');
        b.line('{');
        b.indented(() => op.columns.forEach((c, i) => b.line(`${c.name} = table.Column<${clr(c)}>(${columnArgs(c)})${i < op.columns.length - 1 ? ',' : ''}`)));
        b.line('},');
        b.line('constraints: table =>');
        b.line('{');
        b.indented(() => {
          b.line(`table.PrimaryKey(${str(op.primaryKey.name)}, x => x.${op.primaryKey.columns[0]});`);
          for (const fk of op.foreignKeys) {
            namedCall(b, 'table.ForeignKey', [
              ['name', str(fk.name)],
              ['column', `x => x.${fk.columns[0]}`],
              ...schemaArg(fk.principal, 'principalSchema'),
              ['principalTable', str(fk.principal.name)],
              ['principalColumn', str(fk.principalColumns[0]!)],
              ['onDelete', `ReferentialAction.${fk.onDelete}`],
            ]);
          }
        });
        b.line('});');
      });
      return b.toString();
  }
}

function clr(c: ColumnDef): string {
  return c.clrType;
}

function columnArgs(c: ColumnDef): string {
  return [`type: ${str(c.type)}`, ...(c.maxLength ? [`maxLength: ${c.maxLength}`] : []), `nullable: ${c.nullable}`].join(', ');
}

function dropTableCode(table: TableRef): string {
  const b = new IndentedBuilder(BODY_LEVEL);
  namedCall(b, 'migrationBuilder.DropTable', [['name', str(table.name)], ...schemaArg(table)]);
  return b.toString();
}

function alterCode(op: AlterColumnOp, direction: 'up' | 'down'): string {
  const now = direction === 'up' ? { type: op.column.type, maxLength: op.column.maxLength, nullable: op.column.nullable } : op.old;
  const before = direction === 'up' ? op.old : { type: op.column.type, maxLength: op.column.maxLength, nullable: op.column.nullable };
  const b = new IndentedBuilder(BODY_LEVEL);
  namedCall(b, 'migrationBuilder.AlterColumn<string>', [
    ['name', str(op.column.name)],
    ...schemaArg(op.table),
    ['table', str(op.table.name)],
    ['type', str(now.type)],
    ...(now.maxLength ? ([['maxLength', String(now.maxLength)]] as [string, string][]) : []),
    ['nullable', String(now.nullable)],
    ['oldClrType', 'typeof(string)'],
    ['oldType', str(before.type)],
    ...(before.maxLength ? ([['oldMaxLength', String(before.maxLength)]] as [string, string][]) : []),
    ...(before.nullable ? ([['oldNullable', 'true']] as [string, string][]) : []),
  ]);
  return b.toString();
}

// ---------------------------------------------------------------- the model snapshot

interface EntityStatement {
  node: SyntaxNode;
  name: string;
  relationship: boolean;
  table?: string;
}

async function updateSnapshot(inputs: EfFilesInputs): Promise<string> {
  const text = inputs.snapshotText;
  const file = await parseCSharp('ModelSnapshot.cs', text);
  const splices: TextEdit[] = [];

  // ProductVersion
  for (const call of findAll(file.tree.rootNode, 'invocation_expression')) {
    if (invokedName(call) !== 'HasAnnotation') continue;
    const [key, value] = argumentNodes(call);
    if (stringValue(key) === 'ProductVersion' && value) splices.push({ at: value.startIndex, end: value.endIndex, text: str(inputs.definition.productVersion) });
  }

  // The entity statements of BuildModel, in order.
  const statements: EntityStatement[] = [];
  for (const call of findAll(file.tree.rootNode, 'invocation_expression')) {
    if (invokedName(call) !== 'Entity' || call.parent?.type !== 'expression_statement') continue;
    const name = stringValue(argumentNodes(call)[0]);
    if (!name) continue;
    const body = call.text;
    const table = /\bb\.ToTable\("([^"]+)"/.exec(body)?.[1];
    statements.push({ node: call.parent, name, relationship: /\bb\.(HasOne|Navigation)\(/.test(body) && !/\bb\.Property</.test(body), table });
  }
  const definitions = statements.filter((s) => !s.relationship);
  const relationships = statements.filter((s) => s.relationship);
  const userEntity = definitions.find((s) => s.table === inputs.definition.operations.find((o) => o.kind === 'createTable')!.foreignKeys[0]!.principal.name)?.name;
  if (!userEntity) {
    const users = inputs.definition.operations.find((o) => o.kind === 'createTable')!.foreignKeys[0]!.principal.name;
    throw new UserError(`the EF model snapshot maps no entity to the users table ${users}, so passkey-migrate cannot tell which entity the passkeys belong to`, {
      hint: 'run dotnet ef migrations has-pending-model-changes: a snapshot that matches the app names the users table; then run again',
    });
  }

  // Column reshapes: HasMaxLength before HasColumnType, and the new store type.
  for (const reshape of inputs.reshapes) {
    const block = definitions.find((s) => s.table === reshape.table);
    if (!block) continue;
    for (const call of findAll(block.node, 'invocation_expression')) {
      if (invokedName(call) !== 'Property' || stringValue(argumentNodes(call)[0]) !== reshape.column) continue;
      // The statement is the chain that starts with this b.Property<...>("column") call.
      let chain: SyntaxNode = call;
      while (chain.parent?.type === 'member_access_expression' && chain.parent.parent?.type === 'invocation_expression') chain = chain.parent.parent;
      const columnType = findAll(chain, 'invocation_expression').find((c) => invokedName(c) === 'HasColumnType');
      const existing = findAll(chain, 'invocation_expression').find((c) => invokedName(c) === 'HasMaxLength');
      if (!columnType || existing) continue;
      const typeArg = argumentNodes(columnType)[0]!;
      const dot = text.lastIndexOf('.HasColumnType', typeArg.startIndex);
      const lineStart = text.lastIndexOf('\n', dot) + 1;
      const indent = text.slice(lineStart, dot);
      splices.push({ at: dot, end: dot, text: `.HasMaxLength(${reshape.maxLength})\n${indent}` });
      splices.push({ at: typeArg.startIndex, end: typeArg.endIndex, text: str(boundedString(inputs.provider, reshape.maxLength)) });
    }
  }

  // The passkey entity and its relationship, each in name order within its section.
  const create = inputs.definition.operations.find((o) => o.kind === 'createTable')!;
  const passkeyEntity = `Microsoft.AspNetCore.Identity.IdentityUserPasskey<${CLR_NAMES[inputs.keyType] ?? inputs.keyType}>`;
  const userIdColumn = create.columns.find((c) => c.name === 'UserId')!;
  const userIdProperty =
    inputs.keyType === 'string'
      ? `                    b.Property<string>("UserId")\n                        .IsRequired()\n                        .HasColumnType(${str(userIdColumn.type)});`
      : `                    b.Property<${inputs.keyType}>("UserId")\n                        .HasColumnType(${str(userIdColumn.type)});`;
  const values = {
    PasskeyEntity: passkeyEntity,
    CredentialIdType: create.columns.find((c) => c.name === 'CredentialId')!.type,
    UserIdProperty: userIdProperty,
    ToTableArgs: `${str(create.table.name)}, ${create.table.schema ? str(create.table.schema) : '(string)null'}`,
    OwnedToTableArgs: create.table.schema ? `${str(create.table.name)}, ${str(create.table.schema)}` : str(create.table.name),
    UserEntity: userEntity,
    SignCountClr: engineTypes(inputs.provider).signCountClr,
    JsonColumnType: create.columns.find((c) => c.name === 'Data')!.type,
  };
  splices.push(insertSorted(text, definitions, passkeyEntity, render('ef/PasskeyEntity.cs.tmpl', values).trimEnd()));
  splices.push(
    insertSorted(
      text,
      relationships.length ? relationships : definitions.slice(-1),
      passkeyEntity,
      render('ef/PasskeyRelationship.cs.tmpl', values).trimEnd(),
      relationships.length === 0,
    ),
  );
  return applyEdits(text, splices);
}

/** Before the first statement whose entity name sorts after ours (ordinal), else after the last one. */
function insertSorted(text: string, section: EntityStatement[], name: string, block: string, forceAfter = false): TextEdit {
  const next = forceAfter ? undefined : section.find((s) => s.name > name);
  if (next) {
    const lineStart = text.lastIndexOf('\n', next.node.startIndex) + 1;
    return { at: lineStart, end: lineStart, text: `${block}\n\n` };
  }
  const last = section[section.length - 1]!;
  return { at: last.node.endIndex, end: last.node.endIndex, text: `\n\n${block}` };
}

// ---------------------------------------------------------------- the designer

function designerText(snapshot: string, id: string): string {
  let text = snapshot;
  // One more using, in EF's order (System first, then ordinal).
  const usingLines = [...text.matchAll(/^using [\w.]+;$/gm)];
  const wanted = 'using Microsoft.EntityFrameworkCore.Migrations;';
  if (!usingLines.some((u) => u[0] === wanted)) {
    const after = usingLines.filter((u) => u[0] !== 'using System;' && u[0] < wanted).pop() ?? usingLines.find((u) => u[0] === 'using System;');
    const at = after ? after.index! + after[0].length + 1 : text.indexOf('using');
    text = text.slice(0, at) + wanted + '\n' + text.slice(at);
  }
  text = text.replace(
    /(\n(\s*)\[DbContext\(typeof\([\w.]+\)\)\]\n)\s*partial class \w+ : ModelSnapshot/,
    (_m, head: string, indent: string) => `${head}${indent}[Migration(${str(id)})]\n${indent}partial class AddPasskeySupport`,
  );
  text = text.replace(
    /\n(\s*)protected override void BuildModel\(ModelBuilder modelBuilder\)/,
    (_m, indent: string) => `\n${indent}/// <inheritdoc />\n${indent}protected override void BuildTargetModel(ModelBuilder modelBuilder)`,
  );
  return text;
}
