/**
 * Passkey UI for Razor Pages apps on ASP.NET Core Identity's pages (/Identity/Account/...). A page the app
 * already has (scaffolded) is edited in place; a page that still comes from the Identity UI package is
 * overridden by a page of ours at the same path, which keeps everything the package's page does.
 */
import path from 'node:path';
import { render } from '../../core/template.js';
import { parseCSharp } from '../../read/project/csharp.js';
import { readSignInLogic } from '../../read/project/sign-in-logic.js';
import { defaultSignIn, shareSignIn } from './sign-in-share.js';
import { globalUsingsFor } from '../../read/project/index.js';
import { appendMembersEdit, findClass, hasUsing, memberNamed, refuseSyntaxErrors, usingEdit } from '../csharp-edit.js';
import { applyEdits, type TextEdit } from '../file-change.js';
import type { ViewLocation } from '../../read/project/layouts.js';
import { applyOne, createFile, editFile, ensureTagHelper, indent, promptBody, stringType, templateValues, type UiContext, type UiPart } from './common.js';
import type { UiKindPlanner } from './context.js';
import { afterSubmitButtonEdit, autofillEdit, findLoginForm, navEntryEdit, userNameField } from './markup-edit.js';

export const IDENTITY_ROUTE_PREFIX = '/Identity/Account';

function identityPaths(ctx: UiContext) {
  const pages = path.join(ctx.projectDir, 'Areas', 'Identity', 'Pages');
  const account = path.join(pages, 'Account');
  return { pages, account, manage: path.join(account, 'Manage') };
}

function identityPage(ctx: UiContext, file: string): ViewLocation {
  return { file, kind: 'page', area: 'Identity', identityUiPackage: ctx.facts.ui.identityUiPackage };
}

/** Sign-in on the Identity Login page: the scaffolded page edited in place, else an override of the package's. */
export async function planRazorLogin(ctx: UiContext): Promise<UiPart> {
  const { account } = identityPaths(ctx);
  const values = templateValues(ctx);
  const notes: string[] = [];
  // The tag helper must be visible to the app's Identity pages.
  ensureTagHelper(ctx, identityPaths(ctx).pages, 'ui/razor/_ViewImports.cshtml.tmpl', values, 'Identity pages imports (passkey tag helper)');
  const loginPage = path.join(account, 'Login.cshtml');
  if (ctx.files.exists(loginPage)) {
    notes.push(...(await editScaffoldedLogin(ctx, loginPage, values)));
  } else {
    // The override's code file enables nullable itself.
    const handler = render('ui/razor/LoginPasskeyHandler.cs.tmpl', { ...values, StringType: 'string?', ...handlerDefaults() });
    createFile(ctx, loginPage, render(`ui/razor/Login.bs${ctx.bootstrap}.cshtml.tmpl`, values), 'login page with passkeys (overrides the Identity UI page)');
    createFile(
      ctx,
      `${loginPage}.cs`,
      render('ui/razor/Login.cshtml.cs.tmpl', { ...values, PasskeyHandler: indent(handler, '    ') }),
      'login page with passkeys (overrides the Identity UI page)',
    );
  }
  return { notes, elementPages: [identityPage(ctx, loginPage)] };
}

/** Passkey management among the Identity account pages (/Identity/Account/Manage), with the manage menu entry. */
export async function planRazorManage(ctx: UiContext): Promise<UiPart> {
  const { manage } = identityPaths(ctx);
  const values = templateValues(ctx);
  const notes: string[] = [];
  // The tag helper must be visible to the app's Identity pages.
  ensureTagHelper(ctx, identityPaths(ctx).pages, 'ui/razor/_ViewImports.cshtml.tmpl', values, 'Identity pages imports (passkey tag helper)');
  for (const page of ['Passkeys', 'RenamePasskey']) {
    createFile(ctx, path.join(manage, `${page}.cshtml`), render(`ui/razor/${page}.cshtml.tmpl`, values), `manage page ${page}`);
    createFile(ctx, path.join(manage, `${page}.cshtml.cs`), render(`ui/razor/${page}.cshtml.cs.tmpl`, values), `manage page ${page}`);
  }

  // The manage menu
  const nav = path.join(manage, '_ManageNav.cshtml');
  const navPages = path.join(manage, 'ManageNavPages.cs');
  if (ctx.files.exists(nav)) {
    editFile(
      ctx,
      nav,
      (t) => (t.includes('PasskeysNavClass') ? t : applyOne(t, navEntryEdit(t, render('ui/razor/ManageNavEntry.cshtml.tmpl', values), /ChangePassword/))),
      'Passkeys entry in the manage menu',
    );
    if (ctx.files.exists(navPages)) await editManageNavPages(ctx, navPages);
    else notes.push(`${rel(ctx, nav)} uses a ManageNavPages class passkey-migrate did not find: give it a Passkeys entry and PasskeysNavClass()`);
  } else {
    createFile(ctx, nav, render('ui/razor/_ManageNav.cshtml.tmpl', values), 'manage menu with Passkeys (overrides the Identity UI menu)');
    if (ctx.files.exists(navPages)) await editManageNavPages(ctx, navPages);
    else createFile(ctx, navPages, render('ui/razor/ManageNavPages.cs.tmpl', values), 'manage menu active-page logic');
  }
  // The enrollment prompt among the account pages (not the manage pages: it is no part of the manage menu).
  const { account } = identityPaths(ctx);
  const prompt = path.join(account, 'PasskeyPrompt.cshtml');
  const handler = (name: string) => `@Url.Page("./PasskeyPrompt", "${name}", new { returnUrl = Model.ReturnUrl })`;
  createFile(
    ctx,
    prompt,
    render('ui/razor/PasskeyPrompt.cshtml.tmpl', { ...values, Body: promptBody({ add: handler('Add'), later: handler('Later'), never: handler('Never') }) }),
    'passkey enrollment prompt',
  );
  createFile(ctx, `${prompt}.cs`, render('ui/razor/PasskeyPrompt.cshtml.cs.tmpl', values), 'passkey enrollment prompt');
  return { notes, elementPages: [identityPage(ctx, path.join(manage, 'Passkeys.cshtml')), identityPage(ctx, prompt)] };
}

async function editScaffoldedLogin(ctx: UiContext, page: string, values: Record<string, string>): Promise<string[]> {
  const notes: string[] = [];
  const markup = ctx.files.read(page);
  const form = findLoginForm(markup);
  if (!form) {
    notes.push(`${rel(ctx, page)}: no sign-in form with a password field found; add <passkey-submit-button operation="Request" ...> to it by hand`);
    return notes;
  }
  const field = userNameField(markup.slice(form.start, form.end)) ?? 'Input.Email';
  if (!markup.includes('<passkey-submit-button')) {
    const edits: TextEdit[] = [];
    const block = render('ui/razor/LoginButton.cshtml.tmpl', {
      EmailName: field,
      ButtonClass: ctx.bootstrap === 4 ? 'btn btn-outline-primary btn-block' : 'w-100 btn btn-lg btn-outline-primary',
    });
    const button = afterSubmitButtonEdit(markup, form, block);
    if (!button) {
      notes.push(`${rel(ctx, page)}: no submit button in the sign-in form; add <passkey-submit-button operation="Request" ...> by hand`);
      return notes;
    }
    edits.push(button);
    const autofill = autofillEdit(markup, form, field);
    if (autofill) edits.push(autofill);
    ctx.files.write(page, applyEdits(markup, edits), 'passkey sign-in button and autofill');
  } else {
    const autofill = autofillEdit(markup, form, field);
    if (autofill) ctx.files.write(page, applyEdits(markup, [autofill]), 'passkey autofill');
  }

  const code = `${page}.cs`;
  if (!ctx.files.exists(code)) {
    notes.push(`${rel(ctx, page)} has no code-behind file; add an OnPostPasskeyAsync handler by hand`);
    return notes;
  }
  const text = ctx.files.read(code);
  const parsed = await parseCSharp(code, text);
  const root = parsed.tree.rootNode;
  const model = findClass(root, 'LoginModel');
  if (!model) {
    notes.push(`${rel(ctx, code)}: no LoginModel class found; add an OnPostPasskeyAsync handler by hand`);
    return notes;
  }
  const onPost = memberNamed(model, 'OnPostAsync');
  const logic = onPost ? readSignInLogic(root, model, onPost, ctx.userType) : null;
  if (logic?.rateLimitPolicies[0]) ctx.rateLimitPolicy = logic.rateLimitPolicies[0];
  if (!memberNamed(model, 'OnPostPasskeyAsync')) {
    refuseSyntaxErrors(model, code);
    const shared = logic
      ? shareSignIn(text, logic, {
          file: code,
          projectDir: ctx.projectDir,
          userType: ctx.userType,
          signInManager: 'passkeySignInManager',
          nullable: stringType(ctx, text) === 'string?',
          ignorePostLogin: ctx.ignorePostLogin,
        })
      : null;
    notes.push(...(shared?.notes ?? []));
    const handler = render('ui/razor/LoginPasskeyHandler.cs.tmpl', {
      ...values,
      StringType: stringType(ctx, text),
      ...handlerDefaults(),
      ...(shared ? { SignIn: indent(shared.signIn, '    '), ...(shared.onSucceeded ? { OnSucceeded: indent(shared.onSucceeded, '        ') } : {}) } : {}),
    });
    const edits: TextEdit[] = [appendMembersEdit(text, model, shared?.members ? `${handler}\n${shared.members}` : handler), ...(shared?.edits ?? [])];
    const ns = `${ctx.namespace}.Passkeys`;
    if (!hasUsing(root, text, ns, globalUsingsFor(ctx.facts, code))) edits.push(usingEdit(root, text, ns));
    ctx.files.write(code, applyEdits(text, edits), 'passkey sign-in handler');
  }
  if (!memberNamed(model, 'ErrorMessage')) {
    notes.push(`${rel(ctx, code)}: LoginModel has no [TempData] ErrorMessage; passkey sign-in errors are shown through it, so add one as the Identity template has`);
  }
  return notes;
}

async function editManageNavPages(ctx: UiContext, file: string): Promise<void> {
  const text = ctx.files.read(file);
  const parsed = await parseCSharp(file, text);
  const cls = findClass(parsed.tree.rootNode, 'ManageNavPages');
  if (!cls || memberNamed(cls, 'PasskeysNavClass')) return;
  // Mirror the file's own annotation: `string? PageNavClass(...)` in a nullable-enabled file.
  const members = render('ui/razor/ManageNavPagesMembers.cs.tmpl', { NavClassType: /\bstring\?\s+PageNavClass\b/.test(text) ? 'string?' : 'string' });
  ctx.files.write(file, applyEdits(text, [appendMembersEdit(text, cls, members)]), 'Passkeys entry in the manage menu');
}

/** The passkey handler as it is when the password sign-in does nothing besides signing in. */
function handlerDefaults(): { SignIn: string; OnSucceeded: string } {
  return {
    SignIn: indent(defaultSignIn({ signInManager: 'passkeySignInManager' }), '    '),
    OnSucceeded: render('ui/razor/LoginPasskeyHandler.OnSucceeded.cs.tmpl', {}).trimEnd(),
  };
}

function rel(ctx: UiContext, file: string): string {
  return path.relative(ctx.projectDir, file).split(path.sep).join('/');
}

/** Identity's Razor Pages (the Identity UI package's pages, or scaffolded ones) as a UI kind. */
export const razorPagesKind: UiKindPlanner = {
  name: 'razor',
  description: 'Identity pages',
  detects: (facts) => facts.ui.shape === 'identity-ui-default' || facts.ui.shape === 'identity-ui-scaffolded',
  loginProblem: () => null,
  manageProblem: () => null,
  routePrefix: async () => IDENTITY_ROUTE_PREFIX,
  planLogin: planRazorLogin,
  planManage: planRazorManage,
  signInPages: async () => ({ registerPath: `${IDENTITY_ROUTE_PREFIX}/Register`, loginPath: `${IDENTITY_ROUTE_PREFIX}/Login` }),
  passkeysPath: async () => `${IDENTITY_ROUTE_PREFIX}/Manage/Passkeys`,
  promptPath: async () => `${IDENTITY_ROUTE_PREFIX}/PasskeyPrompt`,
};
