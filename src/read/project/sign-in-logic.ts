/**
 * What the app's password sign-in does besides signing in, read with the parser: the checks before the
 * `PasswordSignInAsync` call that can refuse (an approval flag, a disabled account), the work after it succeeded
 * (moving an anonymous basket to the user, an audit entry, a cookie), and the rate-limit attributes on the login
 * page or action. A passkey sign-in must run the same code; where that code uses something only the password
 * form has (the "remember me" box, the model), it cannot, and the reasons name the line.
 */
import type { SyntaxNode } from './csharp.js';
import { findAll, invokedName, lineOf, argumentNodes, stringValue } from './csharp.js';

export interface MovedCode {
  /** the first and last statement moved (offsets in the file) */
  start: number;
  end: number;
  firstLine: number;
  lastLine: number;
  /** offsets (in the file) of the user expression inside the moved code, each replaced by the new parameter */
  userUses: { start: number; end: number }[];
  awaits: boolean;
}

export interface SignInLogic {
  method: string;
  line: number;
  /** the user argument of PasswordSignInAsync as written, e.g. "Input!.Email!" */
  userArg: string;
  /** a user name (string) or the user object (TUser) */
  userMode: 'name' | 'user';
  /** the method's returnUrl parameter (name and type as written; the type without "?" once the method defaults it) */
  returnUrl: { name: string; type: string } | null;
  /** the method's return type as written, e.g. "Task<IActionResult>" */
  returnType: string;
  /** the code run after a successful sign-in, up to and including its return (when it does more than log) */
  after: MovedCode | null;
  /** the checks before sign-in that can refuse it */
  before: MovedCode | null;
  /** why the code cannot be shared with a passkey sign-in, each with its line */
  problems: string[];
  /** rate-limit policies on the login page, action or controller ([EnableRateLimiting("...")]) */
  rateLimitPolicies: string[];
  /** attributes of the login action a passkey action must carry too (filters; MVC) */
  actionAttributes: string[];
}

const LOGGING = /^(_?logger|Logger|_log|log)\.(Log\w*)\s*\(/i;

export function normalizeExpression(text: string): string {
  return text
    .replace(/\s+/g, '')
    .replace(/!(?!=)/g, '')
    .replace(/\?\./g, '.')
    .replace(/^\((.*)\)$/, '$1');
}

function statementOf(node: SyntaxNode): SyntaxNode | null {
  let n: SyntaxNode | null = node;
  while (n && n.parent && n.parent.type !== 'block') n = n.parent;
  return n?.parent?.type === 'block' ? n : null;
}

function statementsOf(block: SyntaxNode): SyntaxNode[] {
  return block.namedChildren.filter((c): c is SyntaxNode => !!c && c.type !== 'comment');
}

function attributesOf(node: SyntaxNode): SyntaxNode[] {
  return node.namedChildren.filter((c): c is SyntaxNode => c?.type === 'attribute_list').flatMap((l) => l.namedChildren.filter((a): a is SyntaxNode => a?.type === 'attribute'));
}

function attributeName(attribute: SyntaxNode): string {
  return (attribute.childForFieldName('name')?.text ?? '').replace(/^.*\./, '').replace(/Attribute$/, '');
}

/** Identifiers declared in `scope` (locals, loop and pattern variables), by name, with where they are declared. */
function declarations(scope: SyntaxNode): { name: string; at: number }[] {
  return findAll(scope, (n) => ['variable_declarator', 'declaration_expression', 'foreach_statement', 'single_variable_designation', 'catch_declaration'].includes(n.type))
    .map((n) => {
      const name = n.type === 'single_variable_designation' ? (n.namedChildren[0] ?? n) : (n.childForFieldName('name') ?? n.namedChildren.find((c) => c?.type === 'identifier'));
      return name && name.type === 'identifier' ? { name: name.text, at: name.startIndex } : null;
    })
    .filter((d): d is { name: string; at: number } => d !== null);
}

/** Identifier uses in a range: not member names after a dot, not declarations. */
function identifierUses(root: SyntaxNode, start: number, end: number): SyntaxNode[] {
  return findAll(root, 'identifier').filter((id) => {
    if (id.startIndex < start || id.endIndex > end) return false;
    const parent = id.parent;
    if (!parent) return true;
    if (parent.type === 'member_access_expression' && parent.childForFieldName('name')?.id === id.id) return false;
    if (parent.type === 'member_binding_expression') return false;
    if (['variable_declarator', 'parameter', 'single_variable_designation', 'argument'].includes(parent.type) && parent.childForFieldName('name')?.id === id.id) return false;
    if (parent.type === 'invocation_expression' && parent.childForFieldName('function')?.id === id.id) return false;
    return true;
  });
}

export function readSignInLogic(root: SyntaxNode, cls: SyntaxNode, method: SyntaxNode, userType: string): SignInLogic | null {
  const body = method.childForFieldName('body');
  if (!body) return null;
  const call = findAll(body, 'invocation_expression').find((c) => invokedName(c) === 'PasswordSignInAsync');
  if (!call) return null;
  const userNode = argumentNodes(call)[0];
  if (!userNode) return null;
  const userArg = userNode.text;
  const userKey = normalizeExpression(userArg);
  const problems: string[] = [];
  const name = method.childForFieldName('name')?.text ?? '?';

  // Parameters; the returnUrl one is passed along.
  const parameters = findAll(method.childForFieldName('parameters') ?? method, 'parameter').map((p) => ({
    name: p.childForFieldName('name')?.text ?? '',
    type: p.childForFieldName('type')?.text ?? 'string',
  }));
  const returnParam = parameters.find((p) => /^returnUrl$/i.test(p.name));
  // `returnUrl ??= Url.Content("~/")` / `returnUrl = returnUrl ?? ...`: past that line it is not null.
  const defaulted = returnParam ? new RegExp(`\\b${returnParam.name}\\s*(\\?\\?=|=\\s*${returnParam.name}\\s*\\?\\?)`).test(body.text) : false;
  const returnUrl = returnParam ? { name: returnParam.name, type: defaulted ? returnParam.type.replace(/\?$/, '') : returnParam.type } : null;
  const locals = [...parameters.map((p) => ({ name: p.name, at: -1 })), ...declarations(body)];
  // The user object mode: PasswordSignInAsync(user, ...) with a local of the user type (or found by FindBy...).
  const userLocal = /^[A-Za-z_]\w*$/.test(userKey) ? locals.find((l) => l.name === userKey) : undefined;
  let userMode: SignInLogic['userMode'] = 'name';
  if (userLocal) {
    const declarator = findAll(body, 'variable_declarator').find(
      (d) => d.childForFieldName('name')?.startIndex === userLocal.at || d.namedChildren[0]?.startIndex === userLocal.at,
    );
    const declText = declarator?.parent?.text ?? '';
    if (new RegExp(`\\b${userType.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`).test(declText) || /FindBy\w+Async|GetUserAsync/.test(declText)) userMode = 'user';
  }

  const matchesUser = (n: SyntaxNode) => normalizeExpression(n.text) === userKey;
  const usesOfUser = (start: number, end: number): { start: number; end: number }[] => {
    const candidates = findAll(
      body,
      (n) =>
        n.startIndex >= start &&
        n.endIndex <= end &&
        ['member_access_expression', 'conditional_access_expression', 'postfix_unary_expression', 'identifier', 'parenthesized_expression'].includes(n.type) &&
        matchesUser(n),
    );
    // The outermost matches only.
    return candidates
      .filter((c) => !candidates.some((o) => o !== c && o.startIndex <= c.startIndex && o.endIndex >= c.endIndex && (o.startIndex < c.startIndex || o.endIndex > c.endIndex)))
      .map((c) => ({ start: c.startIndex, end: c.endIndex }));
  };
  /** What moved code may not use: locals of the method (but returnUrl and the user), other members of the form. */
  const checkMoved = (start: number, end: number, what: string): void => {
    const uses = usesOfUser(start, end);
    const inUser = (n: SyntaxNode) => uses.some((u) => n.startIndex >= u.start && n.endIndex <= u.end);
    const declaredInside = new Set(
      declarations(body)
        .filter((d) => d.at >= start && d.at < end)
        .map((d) => d.name),
    );
    for (const id of identifierUses(root, start, end)) {
      if (inUser(id) || declaredInside.has(id.text) || id.text === returnUrl?.name) continue;
      if (locals.some((l) => l.name === id.text && l.at < start)) {
        problems.push(`line ${lineOf(id)}: ${what} uses ${id.text}, which a passkey sign-in does not have`);
        return;
      }
    }
    const root0 = userKey.split('.')[0];
    if (root0 && root0 !== userKey) {
      const accesses = findAll(body, (n) => n.type === 'member_access_expression' && n.startIndex >= start && n.endIndex <= end).sort((a, b) => a.text.length - b.text.length);
      for (const access of accesses) {
        const key = normalizeExpression(access.text);
        if (key.startsWith(`${root0}.`) && key !== userKey && !inUser(access) && !uses.some((u) => access.startIndex <= u.start && access.endIndex >= u.end)) {
          problems.push(`line ${lineOf(access)}: ${what} uses ${access.text}, which only the password form has`);
          return;
        }
      }
    }
  };

  const statement = statementOf(call);
  const block = statement?.parent ?? null;
  let after: MovedCode | null = null;
  let before: MovedCode | null = null;
  if (statement && block) {
    const siblings = statementsOf(block);
    const index = siblings.findIndex((s) => s.id === statement.id);
    const resultName =
      statement.type === 'local_declaration_statement'
        ? (findAll(statement, 'variable_declarator')[0]?.childForFieldName('name')?.text ?? findAll(statement, 'variable_declarator')[0]?.namedChildren[0]?.text)
        : undefined;

    // After: `if (result.Succeeded) { ... return ...; }`
    const success = resultName
      ? siblings.slice(index + 1).find((s) => s.type === 'if_statement' && normalizeExpression(s.childForFieldName('condition')?.text ?? '') === `${resultName}.Succeeded`)
      : undefined;
    const consequence = success?.childForFieldName('consequence');
    if (consequence) {
      const moved = consequence.type === 'block' ? statementsOf(consequence) : [consequence];
      const last = moved.at(-1);
      const work = moved.filter((s) => s !== last && !(s.type === 'expression_statement' && LOGGING.test(s.text.trim())));
      if (work.length > 0) {
        if (last?.type !== 'return_statement') {
          problems.push(`line ${lineOf(success!)}: the code after a successful sign-in does not end in a return`);
        } else {
          const start = moved[0]!.startIndex;
          const end = last.endIndex;
          checkMoved(start, end, 'the code after sign-in');
          after = { start, end, firstLine: lineOf(moved[0]!), lastLine: last.endPosition.row + 1, userUses: usesOfUser(start, end), awaits: /\bawait\b/.test(consequence.text) };
        }
      }
    }

    // Before: from the first statement that uses the user (after its declaration, for a user object) to the call.
    const prior = siblings.slice(0, index);
    const firstUse =
      userMode === 'user'
        ? prior.findIndex((s) => s.startIndex > (userLocal?.at ?? -1) && usesOfUser(s.startIndex, s.endIndex).length > 0)
        : prior.findIndex((s) => usesOfUser(s.startIndex, s.endIndex).length > 0);
    if (firstUse >= 0) {
      const checks = prior.slice(firstUse);
      if (checks.some((s) => findAll(s, ['return_statement', 'throw_statement', 'throw_expression']).length > 0)) {
        const start = checks[0]!.startIndex;
        const end = checks.at(-1)!.endIndex;
        const declared = declarations(body).filter((d) => d.at >= start && d.at < end);
        const usedLater = declared.find((d) => identifierUses(root, end, body.endIndex).some((id) => id.text === d.name));
        if (usedLater) problems.push(`line ${lineOf(checks[0]!)}: the checks before sign-in declare ${usedLater.name}, which the sign-in uses after them`);
        else {
          checkMoved(start, end, 'the check before sign-in');
          before = {
            start,
            end,
            firstLine: lineOf(checks[0]!),
            lastLine: checks.at(-1)!.endPosition.row + 1,
            userUses: usesOfUser(start, end),
            awaits: checks.some((s) => /\bawait\b/.test(s.text)),
          };
        }
      }
    }
  }

  const rateLimitPolicies: string[] = [];
  const actionAttributes: string[] = [];
  for (const attribute of [...attributesOf(cls), ...attributesOf(method)]) {
    if (attributeName(attribute) === 'EnableRateLimiting') {
      const policy = stringValue(findAll(attribute, (n) => /string_literal$/.test(n.type))[0]);
      if (policy) rateLimitPolicies.push(policy);
    }
  }
  for (const attribute of attributesOf(method)) {
    if (!/^(HttpPost|HttpGet|AllowAnonymous|ValidateAntiForgeryToken|Route|ActionName|AutoValidateAntiforgeryToken|IgnoreAntiforgeryToken)$/.test(attributeName(attribute)))
      actionAttributes.push(attribute.text);
  }
  const returnType = method.childForFieldName('returns')?.text ?? method.childForFieldName('type')?.text ?? 'Task<IActionResult>';
  return { method: name, line: lineOf(method), userArg, userMode, returnUrl, returnType, after, before, problems, rateLimitPolicies, actionAttributes };
}
