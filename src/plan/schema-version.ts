/**
 * Sets `options.Stores.SchemaVersion = IdentitySchemaVersions.Version3` where the app's Identity options are, with
 * the C# parser: every SchemaVersion assignment that says something else is changed (in the registration's
 * lambda, the method it names, or Configure<IdentityOptions>); a registration whose options set none gets one (a
 * statement in a block lambda or method, an expression lambda made a block, or an options lambda). Registrations
 * in other #if branches (a Release build compiles them) get the same edit. Only the lines that change move; a file
 * that does not parse where the edit goes is refused with the line.
 */
import { argumentNodes, findAll, invokedName, lineOf, parseCSharp, typeArguments, type SyntaxNode } from '../read/project/csharp.js';
import { globalUsingsFor, type ProjectFacts } from '../read/project/index.js';
import { applyEdits, type TextEdit } from './file-change.js';
import { render } from '../core/template.js';
import { findClass, hasUsing, indentUnit as unit, lineIndent, refuseSyntaxErrors, usingEdit } from './csharp-edit.js';
import type { StagedTree } from './tree.js';

const VALUE = 'IdentitySchemaVersions.Version3';
const NAMESPACE = 'Microsoft.AspNetCore.Identity';
const REGISTRATIONS = new Set(['AddDefaultIdentity', 'AddIdentity', 'AddIdentityCore']);

const isSchemaAssignment = (a: SyntaxNode) => /(^|\.)Stores\.SchemaVersion$/.test(a.childForFieldName('left')?.text.replace(/\s+/g, '') ?? '');

interface FileEdits {
  text: string;
  root: SyntaxNode;
  edits: TextEdit[];
}

export async function planSchemaVersion(facts: ProjectFacts, tree: StagedTree): Promise<void> {
  const identity = facts.identity;
  const files = new Map<string, FileEdits>();
  const open = async (file: string): Promise<FileEdits> => {
    let entry = files.get(file);
    if (!entry) {
      const text = tree.read(file);
      entry = { text, root: (await parseCSharp(file, text)).tree.rootNode, edits: [] };
      files.set(file, entry);
    }
    return entry;
  };

  // Every assignment that is not Version3, in the registration's files and wherever Configure<IdentityOptions> is.
  const settingFiles = new Set([
    identity.registration.file,
    ...(identity.optionsMethod ? [identity.optionsMethod.file] : []),
    ...(identity.schemaVersionSetting ? [identity.schemaVersionSetting.file] : []),
  ]);
  let coveredEverywhere = false;
  for (const file of settingFiles) {
    const f = await open(file);
    for (const call of findAll(f.root, 'invocation_expression')) {
      if (invokedName(call) !== 'Configure' || typeArguments(call)[0] !== 'IdentityOptions') continue;
      for (const assignment of findAll(call, 'assignment_expression').filter(isSchemaAssignment)) {
        setVersion3(f, assignment, file);
        if (!insideConditional(assignment)) coveredEverywhere = true;
      }
    }
  }

  // Each registration: the active one and those in other #if branches.
  const registrations = [identity.registration, ...identity.otherBranches];
  const f = await open(identity.registration.file);
  for (const wanted of registrations) {
    const call = findAll(f.root, 'invocation_expression').find((c) => lineOf(c) === wanted.line && REGISTRATIONS.has(invokedName(c) ?? '') && typeArguments(c).length > 0);
    if (!call) continue;
    refuseSyntaxErrors(call, wanted.file);
    const options = argumentNodes(call)[0];
    if (options?.type === 'lambda_expression') {
      const own = findAll(options, 'assignment_expression').filter(isSchemaAssignment);
      own.forEach((a) => setVersion3(f, a, wanted.file));
      if (!own.length && !coveredEverywhere) f.edits.push(...lambdaEdits(f.text, call, options));
    } else if (options && (options.type === 'identifier' || options.type === 'member_access_expression') && identity.optionsMethod) {
      const m = await open(identity.optionsMethod.file);
      const method = findAll(m.root, ['method_declaration', 'local_function_statement']).find((n) => lineOf(n) === identity.optionsMethod!.line);
      if (!method) continue;
      refuseSyntaxErrors(method, identity.optionsMethod.file);
      const own = findAll(method, 'assignment_expression').filter(isSchemaAssignment);
      own.forEach((a) => setVersion3(m, a, identity.optionsMethod!.file));
      if (!own.length && !coveredEverywhere && !m.edits.some((e) => e.at >= method.startIndex && e.at <= method.endIndex)) m.edits.push(...methodEdits(m.text, method));
    } else if (!coveredEverywhere) {
      // AddIdentityCore<TUser>() -> AddIdentityCore<TUser>(options => options.Stores.SchemaVersion = ...)
      const args = call.childForFieldName('arguments')!;
      const empty = argumentNodes(call).length === 0;
      f.edits.push({ at: args.startIndex + 1, end: args.startIndex + 1, text: `options => options.Stores.SchemaVersion = ${VALUE}${empty ? '' : ', '}` });
    }
  }

  // A design-time factory makes the context without the app's services, so without its Identity options: EF's
  // tools would build a Version1 model. The factory gets the app's store options as its application services.
  const factory = identity.designTimeFactory;
  if (factory) {
    const d = await open(factory.file);
    const cls = findClass(d.root, factory.name);
    const use = cls && findAll(cls, 'invocation_expression').find((c) => /^Use(Sqlite|SqlServer|Npgsql|MySql|MySQL)$/.test(invokedName(c) ?? ''));
    if (use && !cls.text.includes('UseApplicationServiceProvider')) {
      refuseSyntaxErrors(use, factory.file);
      const keys = facts.maxLengthForKeys.configured;
      const settings = [`identity.Stores.SchemaVersion = ${VALUE};`, ...(keys !== null ? [`identity.Stores.MaxLengthForKeys = ${keys};`] : [])];
      const block = render('ef/DesignTimeIdentityOptions.cs.tmpl', { Settings: settings.map((l) => `        ${l}`).join('\n') });
      const lead = lineIndent(d.text, use.startIndex) + unit(d.text);
      d.edits.push({
        at: use.endIndex,
        end: use.endIndex,
        text: block
          .trimEnd()
          .split('\n')
          .map((l, i) => (i === 0 ? `\n${lead}${l}` : l ? `${lead}${l}` : ''))
          .join('\n'),
      });
      for (const ns of ['Microsoft.Extensions.DependencyInjection']) {
        if (!hasUsing(d.root, d.text, ns, globalUsingsFor(facts, factory.file))) d.edits.push(usingEdit(d.root, d.text, ns));
      }
    }
  }

  for (const [file, entry] of files) {
    if (!entry.edits.length) continue;
    if (!hasUsing(entry.root, entry.text, NAMESPACE, globalUsingsFor(facts, file))) entry.edits.push(usingEdit(entry.root, entry.text, NAMESPACE));
    tree.write(file, applyEdits(entry.text, dedupe(entry.edits)), 'Identity schema Version3');
  }
}

function dedupe(edits: TextEdit[]): TextEdit[] {
  const seen = new Set<string>();
  return edits.filter((e) => {
    const key = `${e.at}:${e.end}:${e.text}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function insideConditional(node: SyntaxNode): boolean {
  for (let n: SyntaxNode | null = node.parent; n; n = n.parent) if (/^preproc_(if|elif|else)$/.test(n.type)) return true;
  return false;
}

function setVersion3(f: FileEdits, assignment: SyntaxNode, file: string): void {
  const right = assignment.childForFieldName('right');
  if (!right || right.text.replace(/\s+/g, '').endsWith(VALUE)) return;
  refuseSyntaxErrors(assignment, file);
  f.edits.push({ at: right.startIndex, end: right.endIndex, text: VALUE });
}

/** A statement appended to a block (lambda or method body), after its last statement and anything on that line. */
function blockAppend(text: string, body: SyntaxNode, statement: string): TextEdit {
  const statements = body.namedChildren.filter((c): c is SyntaxNode => !!c && c.type !== 'comment');
  const last = statements[statements.length - 1];
  const closing = body.endIndex - 1;
  // Indented like the block's statements (a trailing #if ... #endif sits at column 0 and says nothing).
  const model = statements.find((c) => !c.type.startsWith('preproc_')) ?? findAll(body, ['expression_statement', 'local_declaration_statement'])[0];
  const indent = model ? lineIndent(text, model.startIndex) : lineIndent(text, closing) + unit(text);
  const insertAt = last ? last.endIndex : body.startIndex + 1;
  // Past anything on the last statement's line (a trailing comment or #endif stays where it is).
  const lineEnd = text.indexOf('\n', insertAt);
  const at = lineEnd >= 0 && lineEnd < closing ? lineEnd : insertAt;
  return { at, end: at, text: `\n${indent}${statement}` };
}

function lambdaEdits(text: string, call: SyntaxNode, lambda: SyntaxNode): TextEdit[] {
  const step = unit(text);
  const parameter = lambda.childForFieldName('parameters')?.text.replace(/[()\s]/g, '') || 'options';
  const body = lambda.childForFieldName('body')!;
  const statement = `${parameter}.Stores.SchemaVersion = ${VALUE};`;
  if (body.type === 'block') return [blockAppend(text, body, statement)];
  // options => expr   ->   options =>\n    {\n        expr;\n        options.Stores.SchemaVersion = ...;\n    }
  const base = lineIndent(text, call.startIndex);
  const open = base + step;
  const inner = open + step;
  const arrowEnd = lambda.text.indexOf('=>') + lambda.startIndex + 2;
  return [{ at: arrowEnd, end: body.endIndex, text: `\n${open}{\n${inner}${body.text};\n${inner}${statement}\n${open}}` }];
}

/** The options method (a method group or local function): its parameter gets the assignment. */
function methodEdits(text: string, method: SyntaxNode): TextEdit[] {
  const parameter =
    method
      .childForFieldName('parameters')
      ?.namedChildren.find((p): p is SyntaxNode => p?.type === 'parameter')
      ?.childForFieldName('name')?.text ?? 'options';
  const statement = `${parameter}.Stores.SchemaVersion = ${VALUE};`;
  const body = method.childForFieldName('body');
  if (body?.type === 'block') return [blockAppend(text, body, statement)];
  // void Configure(IdentityOptions o) => expr;   ->   a block with both statements
  const arrow = method.namedChildren.find((c) => c?.type === 'arrow_expression_clause');
  const expression = arrow?.namedChildren[0];
  if (!arrow || !expression) return [];
  const base = lineIndent(text, method.startIndex);
  const inner = base + unit(text);
  const semicolon = text.indexOf(';', arrow.endIndex);
  let at = arrow.startIndex;
  while (at > 0 && (text[at - 1] === ' ' || text[at - 1] === '\t')) at--;
  return [{ at, end: semicolon + 1, text: `\n${base}{\n${inner}${expression.text};\n${inner}${statement}\n${base}}` }];
}
