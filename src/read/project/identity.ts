/**
 * Finds, with the C# parser, how the app registers Identity and EF Core: the registration call and its options,
 * the user/role/key types, the DbContext (also in another project) with its table renames and schema, the EF
 * provider and the connection string it is given.
 */
import { allEngineTypes } from '../../db/registry.js';
import path from 'node:path';
import { UserError } from '../../core/errors.js';
import { argumentNodes, chainedCalls, findAll, invokedName, lineOf, namespaceOf, parseCSharp, stringValue, typeArguments, type CSharpFile, type SyntaxNode } from './csharp.js';
import { isInactive, preprocess, type Preprocessed } from './preprocessor.js';
import type { SourceFile } from './sources.js';
import type { IdentityTableRole, ProviderName } from '../facts.js';

export type RegistrationMethod = 'AddDefaultIdentity' | 'AddIdentity' | 'AddIdentityCore';

export interface Location {
  file: string;
  line: number;
}

export interface IdentityFacts {
  registration: Location & { method: RegistrationMethod; enclosingMethod?: string; enclosingType?: string };
  /**
   * Identity registrations in branches the compiler skips for this build (#if DEBUG ... #else ...): a Release
   * build compiles them, so the schema version edit goes into each.
   */
  otherBranches: (Location & { method: RegistrationMethod })[];
  /** the options of the registration, when they are a method (a method group or local function) and not a lambda */
  optionsMethod: (Location & { name: string }) | null;
  /** how the DbContext was found: AddEntityFrameworkStores, a store derived from EF Core's, or a generic helper's call */
  storesVia: 'AddEntityFrameworkStores' | 'custom store' | 'generic helper';
  /** an IDesignTimeDbContextFactory for the DbContext: EF's tools build the model through it */
  designTimeFactory: (Location & { name: string; provider: ProviderName | null }) | null;
  /** every EF provider call found for the DbContext, when there are several (environment branches) */
  providerCandidates: (Location & { name: ProviderName; environment: string | null })[];
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
/** EF Core provider methods, by the engine each selects. */
const PROVIDERS: Record<string, ProviderName> = Object.fromEntries(allEngineTypes().flatMap((e) => e.providerCalls.map((call) => [call, e.provider])));

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
  /** what the compiler skips in this file (only for files with #if) */
  pre?: Preprocessed;
}

export interface ReadIdentityOptions {
  /** each project's preprocessor symbols (DefineConstants as the SDK evaluates them for the build), by project folder */
  symbols?: (projectDir: string) => string[];
  /** the ASP.NET Core environment the app runs in (for `if (env.IsDevelopment())` branches) */
  environment?: string;
}

/** The [start, end) ranges of multi-line string literals, whose lines are never preprocessor directives. */
function multiLineStrings(file: CSharpFile): [number, number][] {
  return findAll(file.tree.rootNode, ['verbatim_string_literal', 'raw_string_literal', 'interpolated_string_expression'])
    .filter((n) => n.startPosition.row !== n.endPosition.row)
    .map((n) => [n.startIndex, n.endIndex] as [number, number]);
}

interface ClassInfo {
  name: string;
  namespace?: string;
  bases: string[];
  node: SyntaxNode;
  file: ParsedSource;
}

export async function readIdentity(sources: SourceFile[], options: ReadIdentityOptions = {}): Promise<IdentityFacts> {
  // Parse only what can matter: files that mention Identity, EF or a class declaration we may need.
  const parsed = new Map<string, ParsedSource>();
  const parse = async (source: SourceFile): Promise<ParsedSource> => {
    let file = parsed.get(source.path);
    if (!file) {
      file = { ...(await parseCSharp(source.path, source.text)), projectDir: source.projectDir };
      if (/^\s*#\s*(if|elif)\b/m.test(source.text)) {
        try {
          file.pre = preprocess(source.text, options.symbols?.(source.projectDir) ?? [], multiLineStrings(file));
        } catch (error) {
          throw new UserError(`${path.basename(source.path)}: ${(error as Error).message}`, { hint: 'fix the preprocessor directives so that the compiler accepts them' });
        }
      }
      parsed.set(source.path, file);
    }
    return file;
  };
  const compiled = (node: SyntaxNode, file: ParsedSource) => !isInactive(file.pre, node.startIndex);

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
  const active = registrations.filter((r) => compiled(r.call, r.file));
  const registration = active[0];
  const otherBranches = registrations
    .filter((r) => !compiled(r.call, r.file) && r.file === registration?.file)
    .map((r) => ({ file: r.file.path, line: lineOf(r.call), method: r.method }));
  if (!registration && registrations.length) {
    const first = registrations[0]!;
    const section = first.file.pre?.conditionals.find((c) => c.branches.some((b) => first.call.startIndex >= b.start && first.call.startIndex < b.end));
    throw new UserError(
      `the Identity registration in ${path.basename(first.file.path)}:${lineOf(first.call)} is in a branch the compiler skips for this build (${section?.branches[0]?.directive ?? '#if'} at line ${section?.branches[0]?.line ?? '?'})`,
      {
        hint: "check the project's DefineConstants: passkey-migrate reads what dotnet build compiles (Debug)",
      },
    );
  }
  if (!registration) {
    throw new UserError('no ASP.NET Core Identity registration found (AddDefaultIdentity, AddIdentity or AddIdentityCore)', {
      hint: 'passkey-migrate works on apps that use ASP.NET Core Identity with EF Core stores',
    });
  }

  const { call, file, method } = registration;
  // A registration inside a generic helper (AddAppIdentity<TUser, TContext>()) names type parameters: they are
  // what the helper's callers pass.
  const typeParameters = await typeParameterBindings(call, file, sources, parse);
  const bound = (type: string) => typeParameters.get(type) ?? type;
  const typeArgs = typeArguments(call).map(bound);
  const userType = simpleTypeName(typeArgs[0]!);
  let roleType: string | null = method === 'AddIdentity' && typeArgs[1] ? typeArgs[1] : null;
  let dbContextName: string | undefined;
  let storesVia: IdentityFacts['storesVia'] = typeParameters.size ? 'generic helper' : 'AddEntityFrameworkStores';
  let customStore: string | undefined;
  for (const next of [...chainedCalls(call), ...variableCalls(call, file).filter((c) => compiled(c, file))]) {
    const name = invokedName(next);
    const args = typeArguments(next).map(bound);
    if (name === 'AddRoles' && args[0]) roleType = args[0];
    if (name === 'AddEntityFrameworkStores' && args[0]) dbContextName = simpleTypeName(args[0]);
    if (name === 'AddUserStore' && args[0]) customStore = simpleTypeName(args[0]);
  }
  if (!dbContextName && customStore) {
    // A store derived from EF Core's (UserStore<TUser, TRole, TContext, ...> or UserOnlyStore<TUser, TContext, ...>).
    dbContextName = await contextOfStore(customStore, sources, parse);
    if (dbContextName) storesVia = 'custom store';
  }
  if (!dbContextName) {
    throw new UserError(
      `the Identity registration in ${path.basename(file.path)}:${lineOf(call)} does not use EF Core stores (no AddEntityFrameworkStores<TContext>(), and no store derived from EF Core's UserStore or UserOnlyStore${customStore ? `: ${customStore} is not one` : ''})`,
      { hint: 'passkey-migrate supports Identity with EF Core stores (or stores derived from them)' },
    );
  }

  // Options: the registration's own lambda (or the method it names), and any Configure<IdentityOptions>(...).
  const optionBodies: { node: SyntaxNode; file: ParsedSource }[] = [];
  let optionsMethod: IdentityFacts['optionsMethod'] = null;
  for (const arg of argumentNodes(call)) {
    if (arg.type === 'lambda_expression') optionBodies.push({ node: arg, file });
    else if (arg.type === 'identifier' || arg.type === 'member_access_expression') {
      const name = arg.type === 'identifier' ? arg.text : (arg.childForFieldName('name')?.text ?? arg.text);
      const target = await methodNamed(name, file, sources, parse);
      if (!target) {
        throw new UserError(`the Identity options in ${path.basename(file.path)}:${lineOf(arg)} are the method ${arg.text}, which passkey-migrate did not find in the project`, {
          hint: "write the options as a lambda, or keep the method in the project's sources, then run again",
        });
      }
      optionBodies.push({ node: target.node, file: target.file });
      optionsMethod = { name, file: target.file.path, line: lineOf(target.node) };
    }
  }
  for (const source of sources.filter((s) => /Configure\s*<\s*IdentityOptions\s*>/.test(s.text))) {
    const f = await parse(source);
    for (const c of findAll(f.tree.rootNode, 'invocation_expression')) {
      if (invokedName(c) === 'Configure' && typeArguments(c)[0] === 'IdentityOptions' && compiled(c, f)) {
        for (const arg of argumentNodes(c)) if (arg.type === 'lambda_expression') optionBodies.push({ node: arg, file: f });
      }
    }
  }
  let schemaVersionSetting: IdentityFacts['schemaVersionSetting'] = null;
  let maxLengthForKeysSetting: IdentityFacts['maxLengthForKeysSetting'] = null;
  for (const body of optionBodies) {
    for (const assignment of findAll(body.node, 'assignment_expression').filter((a) => compiled(a, body.file))) {
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
      for (const decl of findAll(f.tree.rootNode, ['class_declaration', 'record_declaration'])) {
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
  const tables = Object.fromEntries(Object.entries(DEFAULT_TABLES).map(([role, name]) => [role, { name, schema: null as string | null }])) as IdentityFacts['tables'];
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

  // Provider and connection string: the AddDbContext<TContext> call (its branch for this environment), else
  // OnConfiguring, else a design-time factory.
  const providerFacts = await findProvider(sources, parse, dbContextName, options.environment ?? 'Development');
  const designTimeFactory = await findDesignTimeFactory(sources, parse, dbContextName);

  return {
    registration: {
      method,
      file: file.path,
      line: lineOf(call),
      enclosingMethod: enclosing(call, 'method_declaration')?.childForFieldName('name')?.text,
      enclosingType: enclosing(call, 'class_declaration')?.childForFieldName('name')?.text,
    },
    otherBranches,
    optionsMethod,
    storesVia,
    designTimeFactory,
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
    ...(providerFacts.provider || !designTimeFactory?.provider
      ? {}
      : { provider: { name: designTimeFactory.provider, method: 'IDesignTimeDbContextFactory', file: designTimeFactory.file, line: designTimeFactory.line } }),
  };
}

/**
 * `var identity = services.AddDefaultIdentity<U>(...); identity.AddUserStore<S>();`: the calls made later on the
 * variable that holds the registration's IdentityBuilder (each with what is chained to it).
 */
function variableCalls(call: SyntaxNode, file: ParsedSource): SyntaxNode[] {
  let declarator: SyntaxNode | null = null;
  for (let n: SyntaxNode | null = call.parent; n; n = n.parent) {
    if (n.type === 'variable_declarator') {
      declarator = n;
      break;
    }
    if (/statement$|^global_statement$/.test(n.type)) break;
  }
  const name = declarator?.childForFieldName('name')?.text ?? declarator?.namedChildren[0]?.text;
  if (!name) return [];
  const out: SyntaxNode[] = [];
  for (const use of findAll(file.tree.rootNode, 'invocation_expression')) {
    if (use.startIndex < call.endIndex) continue;
    const fn = use.childForFieldName('function');
    if (fn?.type !== 'member_access_expression' || fn.childForFieldName('expression')?.text !== name) continue;
    out.push(use, ...chainedCalls(use));
  }
  return out;
}

/** Type parameters of the generic method around a call, bound to the type arguments its callers pass. */
async function typeParameterBindings(call: SyntaxNode, file: ParsedSource, sources: SourceFile[], parse: (s: SourceFile) => Promise<ParsedSource>): Promise<Map<string, string>> {
  const method = enclosing(call, 'method_declaration');
  const list = method?.namedChildren.find((c) => c?.type === 'type_parameter_list');
  const parameters = list?.namedChildren.filter((c): c is SyntaxNode => c?.type === 'type_parameter').map((c) => c.childForFieldName('name')?.text ?? c.text) ?? [];
  const name = method?.childForFieldName('name')?.text;
  if (!name || !parameters.length) return new Map();
  const used = typeArguments(call).concat(chainedCalls(call).flatMap(typeArguments));
  if (!used.some((t) => parameters.includes(t))) return new Map();
  for (const source of sources.filter((s) => s.text.includes(name))) {
    const f = await parse(source);
    for (const site of findAll(f.tree.rootNode, 'invocation_expression')) {
      if (invokedName(site) !== name || (f.path === file.path && site.startIndex >= method!.startIndex && site.endIndex <= method!.endIndex)) continue;
      const args = typeArguments(site);
      if (args.length === parameters.length) return new Map(parameters.map((p, i) => [p, args[i]!]));
    }
  }
  throw new UserError(
    `the Identity registration in ${path.basename(file.path)}:${lineOf(call)} is in the generic method ${name}<${parameters.join(', ')}>, and no call of it with type arguments was found`,
    {
      hint: `call ${name}<...>() with the app's types in Program.cs (or Startup.cs), then run again`,
    },
  );
}

/** The DbContext of a store class derived from EF Core's UserStore / UserOnlyStore (its generic arguments). */
async function contextOfStore(store: string, sources: SourceFile[], parse: (s: SourceFile) => Promise<ParsedSource>): Promise<string | undefined> {
  let current = store;
  for (let depth = 0; depth < 6; depth++) {
    const source = sources.find((s) => new RegExp(`\\bclass\\s+${escapeRegExp(current)}\\b`).test(s.text));
    if (!source) return undefined;
    const f = await parse(source);
    const decl = findAll(f.tree.rootNode, 'class_declaration').find((c) => c.childForFieldName('name')?.text === current);
    const base = decl?.namedChildren.find((c) => c?.type === 'base_list')?.namedChildren[0];
    if (!base) return undefined;
    const text = base.text.replace(/^global::/, '').replace(/^([\w]+\.)+(?=\w+<)/, '');
    const generic = /^(UserStore|UserOnlyStore)\s*<([\s\S]*)>$/.exec(text);
    if (generic) {
      const args = splitTypeArguments(generic[2]!);
      // UserStore<TUser, TRole, TContext, ...>; UserOnlyStore<TUser, TContext, ...>
      const context = generic[1] === 'UserStore' ? args[2] : args[1];
      return context ? simpleTypeName(context) : undefined;
    }
    current = simpleTypeName(text.replace(/<[\s\S]*$/, ''));
  }
  return undefined;
}

function splitTypeArguments(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '<') depth++;
    if (ch === '>') depth--;
    if (ch === ',' && depth === 0) {
      out.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim()) out.push(current.trim());
  return out;
}

/** A method or local function named name: in the same file first, then anywhere in the sources. */
async function methodNamed(
  name: string,
  file: ParsedSource,
  sources: SourceFile[],
  parse: (s: SourceFile) => Promise<ParsedSource>,
): Promise<{ node: SyntaxNode; file: ParsedSource } | undefined> {
  const inFile = (f: ParsedSource) => findAll(f.tree.rootNode, ['method_declaration', 'local_function_statement']).find((n) => n.childForFieldName('name')?.text === name);
  const here = inFile(file);
  if (here) return { node: here, file };
  for (const source of sources.filter((s) => s.path !== file.path && s.text.includes(name))) {
    const f = await parse(source);
    const node = inFile(f);
    if (node) return { node, file: f };
  }
  return undefined;
}

/** A class implementing IDesignTimeDbContextFactory<TContext>, with the provider its CreateDbContext uses. */
async function findDesignTimeFactory(sources: SourceFile[], parse: (s: SourceFile) => Promise<ParsedSource>, dbContextName: string): Promise<IdentityFacts['designTimeFactory']> {
  for (const source of sources.filter((s) => /IDesignTimeDbContextFactory\s*</.test(s.text))) {
    const f = await parse(source);
    for (const decl of findAll(f.tree.rootNode, 'class_declaration')) {
      const bases = decl.namedChildren.find((c) => c?.type === 'base_list')?.text ?? '';
      if (!new RegExp(`IDesignTimeDbContextFactory\\s*<\\s*(?:[\\w.]+\\.)?${escapeRegExp(dbContextName)}\\s*>`).test(bases)) continue;
      const use = findAll(decl, 'invocation_expression').find((c) => (invokedName(c) ?? '') in PROVIDERS);
      return { name: decl.childForFieldName('name')?.text ?? '?', file: f.path, line: lineOf(decl), provider: use ? PROVIDERS[invokedName(use)!]! : null };
    }
  }
  return null;
}

async function resolveKeyType(userType: string, classes: Map<string, ClassInfo>, collect: (names: Set<string>) => Promise<void>): Promise<string> {
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
  environment: string,
): Promise<Pick<IdentityFacts, 'provider' | 'connectionStringName' | 'inlineConnectionString' | 'providerCandidates'>> {
  const pattern = /\bUse(Sqlite|SqlServer|Npgsql|MySql|MySQL)\s*\(/;
  const found: { call: SyntaxNode; file: ParsedSource; score: number }[] = [];
  for (const source of sources.filter((s) => pattern.test(s.text) && !isGenerated(s.text))) {
    const file = await parse(source);
    for (const call of findAll(file.tree.rootNode, 'invocation_expression')) {
      const name = invokedName(call);
      if (!name || !(name in PROVIDERS) || isInactive(file.pre, call.startIndex)) continue;
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
        if (n.type === 'class_declaration' && /IDesignTimeDbContextFactory/.test(n.text.slice(0, 400))) {
          score = 4; // design time only: the app itself does not run through it
          break;
        }
      }
      found.push({ call, file, score });
    }
  }
  if (!found.length) return { provider: null, connectionStringName: null, inlineConnectionString: null, providerCandidates: [] };
  const bestScore = Math.min(...found.map((f) => f.score));
  const candidates = found.filter((f) => f.score === bestScore);
  const describe = (f: (typeof found)[number]) => {
    const method = invokedName(f.call)!;
    const { name, inline } = connectionStringOf(argumentNodes(f.call)[0], f.call);
    return { f, method, provider: PROVIDERS[method]!, name, inline, environment: environmentOf(f.call, environment) };
  };
  const described = candidates.map(describe);
  // Calls in `if (env.IsDevelopment())` branches: the one that runs in this environment.
  const applying = described.filter((d) => d.environment.applies !== false);
  const distinct = new Set(applying.map((d) => `${d.provider}|${d.name}|${d.inline}`));
  if (distinct.size > 1) {
    throw new UserError(
      `the DbContext ${dbContextName} is configured in ${applying.length} ways and passkey-migrate cannot tell which runs in the ${environment} environment: ${applying
        .map(
          (d) =>
            `${d.method}(${d.name ? `"${d.name}"` : d.inline !== null ? 'an inline string' : '?'}) at ${path.basename(d.f.file.path)}:${lineOf(d.f.call)}${d.environment.description ? ` (${d.environment.description})` : ''}`,
        )
        .join('; ')}`,
      { hint: 'pass --connection (and --provider for db commands), or set ASPNETCORE_ENVIRONMENT to the environment whose database to migrate' },
    );
  }
  const best = applying[0] ?? described[0]!;
  const provider = { name: best.provider, method: best.method, file: best.f.file.path, line: lineOf(best.f.call) };
  return {
    provider,
    connectionStringName: best.name,
    inlineConnectionString: best.inline,
    providerCandidates:
      described.length > 1 ? described.map((d) => ({ name: d.provider, file: d.f.file.path, line: lineOf(d.f.call), environment: d.environment.description })) : [],
  };
}

/**
 * Whether a call runs in the given ASP.NET Core environment, from the `if` statements and conditional
 * expressions around it that test it (`env.IsDevelopment()`, `builder.Environment.IsProduction()`,
 * `IsEnvironment("Staging")`, with `!`, `&&`, `||`): true, false, or null when a condition is something else.
 */
function environmentOf(call: SyntaxNode, environment: string): { applies: boolean | null; description: string | null } {
  let applies: boolean | null = true;
  const parts: string[] = [];
  for (let child: SyntaxNode = call, n = call.parent; n; child = n, n = n.parent) {
    let condition: SyntaxNode | null = null;
    let positive = true;
    if (n.type === 'if_statement') {
      condition = n.childForFieldName('condition');
      const alternative = n.childForFieldName('alternative');
      if (child.id === condition?.id) continue;
      positive = !(alternative && child.startIndex >= alternative.startIndex && child.endIndex <= alternative.endIndex);
    } else if (n.type === 'conditional_expression') {
      condition = n.childForFieldName('condition');
      const alternative = n.childForFieldName('alternative');
      if (child.id === condition?.id) continue;
      positive = !(alternative && child.id === alternative.id);
    } else continue;
    if (!condition) continue;
    const value = environmentCondition(condition, environment);
    parts.push(`${positive ? '' : 'not '}${condition.text.replace(/\s+/g, ' ')}`);
    if (value === null) applies = applies === false ? false : null;
    else if (value !== positive) applies = false;
  }
  return { applies, description: parts.length ? parts.join(' and ') : null };
}

function environmentCondition(node: SyntaxNode, environment: string): boolean | null {
  switch (node.type) {
    case 'parenthesized_expression':
      return node.namedChildren[0] ? environmentCondition(node.namedChildren[0], environment) : null;
    case 'prefix_unary_expression': {
      if (!node.text.startsWith('!')) return null;
      const v = node.namedChildren[0] ? environmentCondition(node.namedChildren[0], environment) : null;
      return v === null ? null : !v;
    }
    case 'binary_expression': {
      const op = node.childForFieldName('operator')?.text ?? node.children.find((c) => c && (c.text === '&&' || c.text === '||'))?.text;
      const left = node.childForFieldName('left');
      const right = node.childForFieldName('right');
      if (!left || !right || (op !== '&&' && op !== '||')) return null;
      const l = environmentCondition(left, environment);
      const r = environmentCondition(right, environment);
      if (op === '&&') return l === false || r === false ? false : l === null || r === null ? null : true;
      return l === true || r === true ? true : l === null || r === null ? null : false;
    }
    case 'invocation_expression': {
      const name = invokedName(node);
      const env = environment.toLowerCase();
      if (name === 'IsDevelopment') return env === 'development';
      if (name === 'IsProduction') return env === 'production';
      if (name === 'IsStaging') return env === 'staging';
      if (name === 'IsEnvironment') {
        const wanted = stringValue(argumentNodes(node)[0]);
        return wanted === undefined ? null : wanted.toLowerCase() === env;
      }
      return null;
    }
    default:
      return null;
  }
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
  for (const n of findAll(node, ['invocation_expression', 'element_access_expression'])) {
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
