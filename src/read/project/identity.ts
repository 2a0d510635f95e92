/**
 * Finds, with the C# parser, how the app registers Identity and EF Core: the registration call and its options,
 * the user/role/key types, the DbContext (also in another project) with its table renames and schema, the EF
 * provider and the connection string it is given.
 */
import path from 'node:path';
import { UserError } from '../../core/errors.js';
import {
  argumentNodes,
  chainedCalls,
  findAll,
  invokedName,
  lineOf,
  namespaceOf,
  parseCSharp,
  stringValue,
  typeArguments,
  type CSharpFile,
  type SyntaxNode,
} from './csharp.js';
import type { SourceFile } from './sources.js';
import type { IdentityTableRole, ProviderName } from '../facts.js';

export type RegistrationMethod = 'AddDefaultIdentity' | 'AddIdentity' | 'AddIdentityCore';

export interface Location {
  file: string;
  line: number;
}

export interface IdentityFacts {
  registration: Location & { method: RegistrationMethod; enclosingMethod?: string; enclosingType?: string };
  userType: string;
  /** the user type as C# code outside its namespace can name it: `SampleShop.Data.ApplicationUser`, `IdentityUser` */
  userTypeReference: string;
  roleType: string | null;
  keyType: string;
  dbContext: { name: string; namespace?: string; file: string; projectDir: string; baseType: string };
  /** IdentitySchemaVersions member set in code, e.g. "Version3"; null when the app never sets it */
  schemaVersionSetting: (Location & { value: string }) | null;
  /** Stores.MaxLengthForKeys set in code; null when never set */
  maxLengthForKeysSetting: (Location & { value: number }) | null;
  tables: Record<IdentityTableRole, { name: string; schema: string | null }>;
  defaultSchema: string | null;
  provider: (Location & { name: ProviderName; method: string }) | null;
  connectionStringName: string | null;
  inlineConnectionString: string | null;
}

const REGISTRATION = /\bAdd(?:Default)?Identity(?:Core)?\s*</;
const PROVIDERS: Record<string, ProviderName> = {
  UseSqlite: 'sqlite',
  UseSqlServer: 'sqlserver',
  UseNpgsql: 'postgres',
  UseMySql: 'mysql',
  UseMySQL: 'mysql',
};

export const DEFAULT_TABLES: Record<IdentityTableRole, string> = {
  users: 'AspNetUsers',
  roles: 'AspNetRoles',
  userClaims: 'AspNetUserClaims',
  userLogins: 'AspNetUserLogins',
  userTokens: 'AspNetUserTokens',
  userRoles: 'AspNetUserRoles',
  roleClaims: 'AspNetRoleClaims',
  userPasskeys: 'AspNetUserPasskeys',
};

interface ParsedSource extends CSharpFile {
  projectDir: string;
}

interface ClassInfo {
  name: string;
  namespace?: string;
  bases: string[];
  node: SyntaxNode;
  file: ParsedSource;
}

export async function readIdentity(sources: SourceFile[]): Promise<IdentityFacts> {
  // Parse only what can matter: files that mention Identity, EF or a class declaration we may need.
  const parsed = new Map<string, ParsedSource>();
  const parse = async (source: SourceFile): Promise<ParsedSource> => {
    let file = parsed.get(source.path);
    if (!file) {
      file = { ...(await parseCSharp(source.path, source.text)), projectDir: source.projectDir };
      parsed.set(source.path, file);
    }
    return file;
  };

  const candidates = sources.filter((s) => REGISTRATION.test(s.text) && !isGenerated(s.text));
  const registrations: { call: SyntaxNode; file: ParsedSource; method: RegistrationMethod }[] = [];
  // Program.cs and Startup.cs first, then extension methods and others.
  const rank = (p: string) => (/^(Program|Startup)\.cs$/i.test(path.basename(p)) ? 0 : 1);
  for (const source of candidates.sort((a, b) => rank(a.path) - rank(b.path))) {
    const file = await parse(source);
    for (const call of findAll(file.tree.rootNode, 'invocation_expression')) {
      const name = invokedName(call);
      if ((name === 'AddDefaultIdentity' || name === 'AddIdentity' || name === 'AddIdentityCore') && typeArguments(call).length > 0) {
        registrations.push({ call, file, method: name });
      }
    }
  }
  const registration = registrations[0];
  if (!registration) {
    throw new UserError('no ASP.NET Core Identity registration found (AddDefaultIdentity, AddIdentity or AddIdentityCore)', {
      hint: 'passkey-migrate works on apps that use ASP.NET Core Identity with EF Core stores',
    });
  }

  const { call, file, method } = registration;
  const typeArgs = typeArguments(call);
  const userType = simpleTypeName(typeArgs[0]!);
  let roleType: string | null = method === 'AddIdentity' && typeArgs[1] ? typeArgs[1] : null;
  let dbContextName: string | undefined;
  for (const next of chainedCalls(call)) {
    const name = invokedName(next);
    const args = typeArguments(next);
    if (name === 'AddRoles' && args[0]) roleType = args[0];
    if (name === 'AddEntityFrameworkStores' && args[0]) dbContextName = simpleTypeName(args[0]);
  }
  if (!dbContextName) {
    throw new UserError(
      `the Identity registration in ${path.basename(file.path)}:${lineOf(call)} does not use EF Core stores (no AddEntityFrameworkStores<TContext>())`,
      { hint: 'passkey-migrate supports Identity with EF Core stores only' },
    );
  }

  // Options: the registration's own lambda, and any services.Configure<IdentityOptions>(...) anywhere.
  const optionBodies: { node: SyntaxNode; file: ParsedSource }[] = [];
  for (const arg of argumentNodes(call)) if (arg.type === 'lambda_expression') optionBodies.push({ node: arg, file });
  for (const source of sources.filter((s) => /Configure\s*<\s*IdentityOptions\s*>/.test(s.text))) {
    const f = await parse(source);
    for (const c of findAll(f.tree.rootNode, 'invocation_expression')) {
      if (invokedName(c) === 'Configure' && typeArguments(c)[0] === 'IdentityOptions') {
        for (const arg of argumentNodes(c)) if (arg.type === 'lambda_expression') optionBodies.push({ node: arg, file: f });
      }
    }
  }
  let schemaVersionSetting: IdentityFacts['schemaVersionSetting'] = null;
  let maxLengthForKeysSetting: IdentityFacts['maxLengthForKeysSetting'] = null;
  for (const body of optionBodies) {
    for (const assignment of findAll(body.node, 'assignment_expression')) {
      const left = assignment.childForFieldName('left')?.text.replace(/\s+/g, '') ?? '';
      const right = assignment.childForFieldName('right');
      if (!right) continue;
      if (/(^|\.)Stores\.SchemaVersion$/.test(left)) {
        const member = /Version(\d)\b/.exec(right.text)?.[0] ?? (/\bDefault\b/.test(right.text) ? 'Default' : right.text);
        schemaVersionSetting = { file: body.file.path, line: lineOf(assignment), value: member };
      } else if (/(^|\.)Stores\.MaxLengthForKeys$/.test(left) && /^\d+$/.test(right.text)) {
        maxLengthForKeysSetting = { file: body.file.path, line: lineOf(assignment), value: Number(right.text) };
      }
    }
  }

  // Classes: the user type (for its key) and the DbContext (for renames, schema, provider), in every project read.
  const classes = new Map<string, ClassInfo>();
  const wanted = new Set([userType, dbContextName]);
  const collect = async (names: Set<string>) => {
    for (const source of sources) {
      if (![...names].some((n) => new RegExp(`\\b(class|record)\\s+${escapeRegExp(n)}\\b`).test(source.text))) continue;
      const f = await parse(source);
      for (const decl of findAll(f.tree.rootNode, (n) => n.type === 'class_declaration' || n.type === 'record_declaration')) {
        const name = decl.childForFieldName('name')?.text;
        if (!name || !names.has(name) || classes.has(name)) continue;
        const baseList = decl.namedChildren.find((c) => c?.type === 'base_list');
        const bases = baseList ? baseList.namedChildren.filter((c): c is SyntaxNode => !!c).map((c) => c.text) : [];
        classes.set(name, { name, namespace: namespaceOf(decl), bases, node: decl, file: f });
      }
    }
  };
  await collect(wanted);

  const keyType = await resolveKeyType(userType, classes, collect);

  const contextClass = classes.get(dbContextName);
  if (!contextClass) {
    throw new UserError(`the DbContext ${dbContextName} named in AddEntityFrameworkStores was not found in the project or the projects it references`, {
      hint: 'pass --project with the web project whose references include the DbContext project',
    });
  }
  const contextBase = contextClass.bases[0] ?? '';

  // Table renames and default schema from OnModelCreating.
  const tables = Object.fromEntries(
    Object.entries(DEFAULT_TABLES).map(([role, name]) => [role, { name, schema: null as string | null }]),
  ) as IdentityFacts['tables'];
  let defaultSchema: string | null = null;
  const roleOfEntity = (typeText: string): IdentityTableRole | undefined => {
    const simple = simpleTypeName(typeText);
    if (simple === userType) return 'users';
    if (roleType && simple === simpleTypeName(roleType)) return 'roles';
    const generic = typeText.replace(/<.*$/, '').replace(/^.*\./, '');
    const map: Record<string, IdentityTableRole> = {
      IdentityUser: 'users',
      IdentityRole: 'roles',
      IdentityUserClaim: 'userClaims',
      IdentityUserLogin: 'userLogins',
      IdentityUserToken: 'userTokens',
      IdentityUserRole: 'userRoles',
      IdentityRoleClaim: 'roleClaims',
      IdentityUserPasskey: 'userPasskeys',
    };
    return map[generic];
  };
  for (const c of findAll(contextClass.node, 'invocation_expression')) {
    const name = invokedName(c);
    if (name === 'HasDefaultSchema') {
      defaultSchema = stringValue(argumentNodes(c)[0]) ?? defaultSchema;
    } else if (name === 'ToTable') {
      const args = argumentNodes(c);
      const tableName = stringValue(args[0]);
      const schema = stringValue(args[1]) ?? null;
      const entity = entityOf(c);
      const role = entity ? roleOfEntity(entity) : undefined;
      if (tableName && role) tables[role] = { name: tableName, schema };
    }
  }
  if (defaultSchema) for (const t of Object.values(tables)) t.schema ??= defaultSchema;

  // Provider and connection string: the AddDbContext<TContext> call, else any UseXxx, else OnConfiguring.
  const providerFacts = await findProvider(sources, parse, dbContextName);

  return {
    registration: {
      method,
      file: file.path,
      line: lineOf(call),
      enclosingMethod: enclosing(call, 'method_declaration')?.childForFieldName('name')?.text,
      enclosingType: enclosing(call, 'class_declaration')?.childForFieldName('name')?.text,
    },
    userType,
    userTypeReference: classes.get(userType)?.namespace ? `global::${classes.get(userType)!.namespace}.${userType}` : typeArgs[0]!,
    roleType,
    keyType,
    dbContext: {
      name: dbContextName,
      namespace: contextClass.namespace,
      file: contextClass.file.path,
      projectDir: contextClass.file.projectDir,
      baseType: contextBase,
    },
    schemaVersionSetting,
    maxLengthForKeysSetting,
    tables,
    defaultSchema,
    ...providerFacts,
  };
}

async function resolveKeyType(
  userType: string,
  classes: Map<string, ClassInfo>,
  collect: (names: Set<string>) => Promise<void>,
): Promise<string> {
  let current = userType;
  for (let depth = 0; depth < 8; depth++) {
    const generic = /^(?:[\w.]+\.)?IdentityUser\s*<\s*([\w.?]+)\s*>$/.exec(current);
    if (generic) return normalizeKeyType(generic[1]!);
    if (/^(?:[\w.]+\.)?IdentityUser$/.test(current)) return 'string';
    const info = classes.get(simpleTypeName(current));
    if (!info) {
      await collect(new Set([simpleTypeName(current)]));
    }
    const found = classes.get(simpleTypeName(current));
    if (!found || !found.bases[0]) {
      throw new UserError(`cannot tell the key type of the user type ${userType}: its class was not found in the project`);
    }
    current = found.bases[0];
  }
  throw new UserError(`cannot tell the key type of the user type ${userType}: its base classes go too deep`);
}

function normalizeKeyType(raw: string): string {
  const map: Record<string, string> = {
    string: 'string',
    String: 'string',
    'System.String': 'string',
    Guid: 'Guid',
    'System.Guid': 'Guid',
    int: 'int',
    Int32: 'int',
    'System.Int32': 'int',
    long: 'long',
    Int64: 'long',
    'System.Int64': 'long',
  };
  return map[raw] ?? raw;
}

async function findProvider(
  sources: SourceFile[],
  parse: (s: SourceFile) => Promise<ParsedSource>,
  dbContextName: string,
): Promise<Pick<IdentityFacts, 'provider' | 'connectionStringName' | 'inlineConnectionString'>> {
  const pattern = /\bUse(Sqlite|SqlServer|Npgsql|MySql|MySQL)\s*\(/;
  const found: { call: SyntaxNode; file: ParsedSource; score: number }[] = [];
  for (const source of sources.filter((s) => pattern.test(s.text) && !isGenerated(s.text))) {
    const file = await parse(source);
    for (const call of findAll(file.tree.rootNode, 'invocation_expression')) {
      const name = invokedName(call);
      if (!name || !(name in PROVIDERS)) continue;
      // Prefer the call inside AddDbContext<OurContext>(...), then OnConfiguring of our context.
      let score = 2;
      for (let n: SyntaxNode | null = call.parent; n; n = n.parent) {
        if (n.type === 'invocation_expression' && /^AddDbContext(Pool|Factory)?$/.test(invokedName(n) ?? '')) {
          score = typeArguments(n).map(simpleTypeName).includes(dbContextName) ? 0 : 3;
          break;
        }
        if (n.type === 'class_declaration' && n.childForFieldName('name')?.text === dbContextName) {
          score = 1;
          break;
        }
      }
      found.push({ call, file, score });
    }
  }
  found.sort((a, b) => a.score - b.score);
  const best = found[0];
  if (!best) return { provider: null, connectionStringName: null, inlineConnectionString: null };
  const method = invokedName(best.call)!;
  const provider = { name: PROVIDERS[method]!, method, file: best.file.path, line: lineOf(best.call) };
  const first = argumentNodes(best.call)[0];
  const { name, inline } = connectionStringOf(first, best.call);
  return { provider, connectionStringName: name, inlineConnectionString: inline };
}

/** What a UseXxx(...) first argument says about the connection string. */
function connectionStringOf(arg: SyntaxNode | undefined, call: SyntaxNode): { name: string | null; inline: string | null } {
  if (!arg) return { name: null, inline: null };
  const literal = stringValue(arg);
  if (literal !== undefined) return { name: null, inline: literal };
  const direct = connectionStringName(arg);
  if (direct) return { name: direct, inline: null };
  if (arg.type === 'identifier') {
    // A local variable or field: find its declaration in the enclosing scopes.
    for (let scope: SyntaxNode | null = call.parent; scope; scope = scope.parent) {
      for (const decl of findAll(scope, 'variable_declarator')) {
        if (decl.childForFieldName('name')?.text !== arg.text) continue;
        const value = decl.namedChildren[decl.namedChildren.length - 1];
        const name = value ? connectionStringName(value) : undefined;
        if (name) return { name, inline: null };
        const inline = stringValue(value);
        if (inline !== undefined) return { name: null, inline };
      }
    }
  }
  return { name: null, inline: null };
}

/** `X.GetConnectionString("Name")` or `X["ConnectionStrings:Name"]` anywhere inside node. */
function connectionStringName(node: SyntaxNode): string | undefined {
  for (const n of findAll(node, (x) => x.type === 'invocation_expression' || x.type === 'element_access_expression')) {
    if (n.type === 'invocation_expression' && invokedName(n) === 'GetConnectionString') {
      const value = stringValue(argumentNodes(n)[0]);
      if (value) return value;
    }
    if (n.type === 'element_access_expression') {
      const value = stringValue(findAll(n, (x) => x.type === 'string_literal')[0]);
      const match = value ? /^ConnectionStrings:(.+)$/i.exec(value) : null;
      if (match) return match[1];
    }
  }
  return undefined;
}

/** For `x.Entity<T>().ToTable(...)` or `Entity<T>(b => b.ToTable(...))`, the T. */
function entityOf(toTable: SyntaxNode): string | undefined {
  // Receiver chain: walk down the expression of member accesses.
  let receiver = toTable.childForFieldName('function')?.childForFieldName('expression') ?? null;
  while (receiver) {
    if (receiver.type === 'invocation_expression') {
      if (invokedName(receiver) === 'Entity') return typeArguments(receiver)[0];
      receiver = receiver.childForFieldName('function')?.childForFieldName('expression') ?? null;
    } else break;
  }
  // Inside a lambda passed to Entity<T>(...)
  for (let n: SyntaxNode | null = toTable.parent; n; n = n.parent) {
    if (n.type === 'invocation_expression' && invokedName(n) === 'Entity') return typeArguments(n)[0];
  }
  return undefined;
}

function enclosing(node: SyntaxNode, type: string): SyntaxNode | null {
  for (let n = node.parent; n; n = n.parent) if (n.type === type) return n;
  return null;
}

export function simpleTypeName(typeText: string): string {
  return typeText.replace(/^global::/, '').replace(/^([\w]+\.)+(?=\w+(<|$))/, '');
}

function isGenerated(text: string): boolean {
  return text.startsWith('// <auto-generated') || /^\uFEFF?\/\/ <auto-generated/.test(text);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
