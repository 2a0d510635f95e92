/**
 * The app's own sign-in logic, shared with the passkey sign-in: the checks before `PasswordSignInAsync` and the
 * work after it succeeded move (with the parser, byte for byte but for the user expression) into methods of the
 * same class that both sign-ins call. Where the code cannot move (it uses the password form's fields), the plan
 * stops with the lines named, unless `--ignore-post-login` says the passkey sign-in may skip it.
 */
import path from 'node:path';
import { UserError } from '../../core/errors.js';
import { render } from '../../core/template.js';
import type { SignInLogic, MovedCode } from '../../read/project/sign-in-logic.js';
import { indentUnit, lineIndent } from '../csharp-edit.js';
import type { TextEdit } from '../file-change.js';

export interface SharedSignIn {
  /** edits of the login file: the moved code replaced by calls */
  edits: TextEdit[];
  /** new members for the class (column 0, \n lines) */
  members: string;
  /** the passkey handler's statements that produce `outcome` (column 0) */
  signIn: string;
  /** the statement(s) run when the passkey sign-in succeeded, or null for the handler's own redirect */
  onSucceeded: string | null;
  notes: string[];
}

export interface ShareOptions {
  file: string;
  /** the project folder, for messages */
  projectDir: string;
  userType: string;
  /** the SignInManager variable in the passkey handler */
  signInManager: string;
  nullable: boolean;
  ignorePostLogin: boolean;
}

function nameIn(text: string, wanted: string): string {
  let name = wanted;
  for (let i = 2; new RegExp(`\\b${name}\\b`).test(text); i++) name = `${wanted}${i}`;
  return name;
}

/** The moved statements as column-0 lines, the user expression replaced by `param`. */
function movedBody(text: string, moved: MovedCode, param: string, unit: string): string {
  const lineStart = text.lastIndexOf('\n', moved.start - 1) + 1;
  let body = text.slice(lineStart, moved.end);
  for (const use of [...moved.userUses].sort((a, b) => b.start - a.start)) {
    body = body.slice(0, use.start - lineStart) + param + body.slice(use.end - lineStart);
  }
  const lines = body.replace(/\r\n/g, '\n').split('\n');
  const indent = /^[ \t]*/.exec(lines[0]!)![0];
  return lines
    .map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l.trimStart()))
    .map((l) => (l.length ? unit + l : ''))
    .join('\n');
}

function reindent(block: string, indent: string, unit: string, eol: string): string {
  return block
    .trimEnd()
    .split('\n')
    .map((l, i) => (i === 0 ? l : l.length ? indent + l.replace(/^ {4}/, unit) : ''))
    .join(eol);
}

export function shareSignIn(text: string, logic: SignInLogic, options: ShareOptions): SharedSignIn {
  const rel = path.relative(options.projectDir, options.file).split(path.sep).join('/');
  const notes: string[] = [];
  if (logic.problems.length) {
    if (!options.ignorePostLogin) {
      throw new UserError(
        `${rel}: the password sign-in in ${logic.method} does more than sign in, and a passkey sign-in cannot run it as it is: ${logic.problems
          .map((p) => p.replace(/^line /, `${rel}:`))
          .slice(0, 3)
          .join('; ')}`,
        {
          hint: 'move that code into a method both sign-ins can call, or pass --ignore-post-login to add a passkey sign-in that skips it',
        },
      );
    }
    notes.push(`${rel}: the passkey sign-in skips what ${logic.method} does besides signing in (--ignore-post-login): ${logic.problems.join('; ')}`);
    return { edits: [], members: '', signIn: defaultSignIn(options), onSucceeded: null, notes };
  }
  if (!logic.after && !logic.before) return { edits: [], members: '', signIn: defaultSignIn(options), onSucceeded: null, notes };

  const unit = indentUnit(text);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const q = options.nullable ? '?' : '';
  const userParam = logic.userMode === 'user' ? { type: options.userType, name: 'user' } : { type: 'string', name: 'userName' };
  const edits: TextEdit[] = [];
  const members: string[] = [];
  const classText = text;
  const returnUrlParam = (moved: MovedCode) => (logic.returnUrl && new RegExp(`\\b${logic.returnUrl.name}\\b`).test(text.slice(moved.start, moved.end)) ? logic.returnUrl : null);
  const args = (userExpr: string, moved: MovedCode, returnUrlExpr: string) => [userExpr, ...(returnUrlParam(moved) ? [returnUrlExpr] : [])].join(', ');
  const params = (moved: MovedCode, name: string) =>
    [`${userParam.type} ${name}`, ...(returnUrlParam(moved) ? [`${returnUrlParam(moved)!.type} ${returnUrlParam(moved)!.name}`] : [])].join(', ');
  const userOf = (variable: string) => (logic.userMode === 'user' ? variable : `(await ${options.signInManager}.UserManager.GetUserNameAsync(${variable}))!`);

  let check: { method: string; awaits: boolean; moved: MovedCode } | null = null;
  if (logic.before) {
    const moved = logic.before;
    const param = nameIn(text.slice(moved.start, moved.end), userParam.name);
    const method = nameIn(classText, moved.awaits ? 'BeforeSignInAsync' : 'BeforeSignIn');
    const signature = moved.awaits ? `async Task<IActionResult${q}> ${method}(${params(moved, param)})` : `IActionResult${q} ${method}(${params(moved, param)})`;
    members.push(render('ui/common/sign-in/BeforeSignIn.cs.tmpl', { Method: logic.method, Signature: signature, Body: movedBody(text, moved, param, unit) }));
    const call = `${moved.awaits ? 'await ' : ''}${method}(${args(logic.userArg, moved, logic.returnUrl?.name ?? 'returnUrl')})`;
    const replacement = render('ui/common/sign-in/PasswordCallBefore.cs.tmpl', { Call: call });
    edits.push({ at: moved.start, end: moved.end, text: reindent(replacement, lineIndent(text, moved.start), unit, eol) });
    check = { method, awaits: moved.awaits, moved };
  }
  let signedIn: { call: (userExpr: string) => string } | null = null;
  if (logic.after) {
    const moved = logic.after;
    const param = nameIn(text.slice(moved.start, moved.end), userParam.name);
    const method = nameIn(classText, moved.awaits ? 'SignedInAsync' : 'SignedIn');
    const returnType = /IActionResult/.test(logic.returnType) ? 'IActionResult' : (/^Task<(.+)>$/.exec(logic.returnType.replace(/^async\s+/, ''))?.[1] ?? 'IActionResult');
    const signature = moved.awaits ? `async Task<${returnType}> ${method}(${params(moved, param)})` : `${returnType} ${method}(${params(moved, param)})`;
    members.push(render('ui/common/sign-in/SignedIn.cs.tmpl', { Method: logic.method, Signature: signature, Body: movedBody(text, moved, param, unit) }));
    const call = (userExpr: string, returnUrlExpr: string) => `return ${moved.awaits ? 'await ' : ''}${method}(${args(userExpr, moved, returnUrlExpr)});`;
    edits.push({ at: moved.start, end: moved.end, text: call(logic.userArg, logic.returnUrl?.name ?? 'returnUrl') });
    signedIn = { call: (userExpr) => call(userExpr, 'returnUrl') };
  }

  // The passkey handler: the app's check gets the passkey's account before Identity signs it in; the work after
  // gets the same account.
  const declarations = [...(signedIn ? [`${options.userType}${q} passkeyUser = null;`] : []), ...(check ? [`IActionResult${q} refusedSignIn = null;`] : [])];
  const capture = signedIn ? 'passkeyUser = user;' : '';
  let lambda: string;
  if (check) {
    const callCheck = `refusedSignIn = ${check.awaits ? 'await ' : ''}${check.method}(${args(logic.userMode === 'user' ? 'user' : '__USER__', check.moved, 'returnUrl')});`;
    const needsAwait = check.awaits || logic.userMode === 'name';
    const userExpr = `(await ${options.signInManager}.UserManager.GetUserNameAsync(user))!`;
    // The password form's fields are not part of a passkey sign-in: only the check's own errors are shown.
    lambda = render(`ui/common/sign-in/CheckLambda.${needsAwait ? 'Async' : 'Sync'}.cs.tmpl`, {
      Capture: capture ? `    ${capture}\n` : '',
      CallCheck: callCheck.replace('__USER__', userExpr),
    }).trimEnd();
  } else {
    lambda = render('ui/common/sign-in/CaptureLambda.cs.tmpl', { Capture: capture }).trimEnd();
  }
  const signIn = render('ui/common/sign-in/PasskeyShared.cs.tmpl', {
    Declarations: declarations.map((d) => `${d}\n`).join(''),
    SignInManager: options.signInManager,
    Lambda: lambda,
    Refusal: check ? render('ui/common/sign-in/PasskeyRefusal.cs.tmpl', {}).trimEnd() : '',
  }).trimEnd();
  const onSucceeded = signedIn ? signedIn.call(userOf('passkeyUser!')) : null;
  notes.push(
    `${rel}: ${[logic.before ? `the checks before sign-in (lines ${logic.before.firstLine}-${logic.before.lastLine})` : '', logic.after ? `the work after sign-in (lines ${logic.after.firstLine}-${logic.after.lastLine})` : ''].filter(Boolean).join(' and ')} of ${logic.method} moved into methods the passkey sign-in calls too`,
  );
  return { edits, members: members.join('\n'), signIn, onSucceeded, notes };
}

export function defaultSignIn(options: { signInManager: string }): string {
  return render('ui/common/sign-in/DefaultSignIn.cs.tmpl', { SignInManager: options.signInManager }).trimEnd();
}
