/**
 * Passkey UI for MVC apps whose sign-in lives in an AccountController with views: the passkey button and autofill
 * in the existing login view and a PasskeyLogin action next to Login (the user's own code untouched), passkey
 * management as actions and views in the ManageController (or a PasskeysController when there is none), the
 * manage menu link, and the endpoints under the account controller's route.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { render } from '../../core/template.js';
import { findAll, parseCSharp, stringValue, type SyntaxNode } from '../../read/project/csharp.js';
import { globalUsingsFor, type ProjectFacts } from '../../read/project/index.js';
import { appendMembersEdit, classMembers, findClass, hasUsing, memberNamed, refuseSyntaxErrors, usingEdit } from '../csharp-edit.js';
import { readSignInLogic } from '../../read/project/sign-in-logic.js';
import { defaultSignIn, shareSignIn } from './sign-in-share.js';
import { applyEdits, type TextEdit } from '../file-change.js';
import type { ViewLocation } from '../../read/project/layouts.js';
import { applyOne, createFile, editFile, ensureTagHelper, indent, promptBody, stringType, templateValues, type UiContext, type UiPart } from './common.js';
import type { UiKindPlanner } from './context.js';
import { afterSubmitButtonEdit, autofillEdit, findLoginForm, navEntryEdit, userNameField } from './markup-edit.js';

async function routeOf(facts: ProjectFacts, file: string, controller: string, area: string | null): Promise<string | null> {
  const full = path.join(facts.msbuild.dir, file);
  const text = readFileSync(full, 'utf8');
  const cls = findClass((await parseCSharp(full, text)).tree.rootNode, `${controller}Controller`);
  const route =
    cls && findAll(cls, 'attribute').find((a) => a.parent?.parent?.id === cls.id && /^(Route|Microsoft\.AspNetCore\.Mvc\.Route)$/.test(a.childForFieldName('name')?.text ?? ''));
  const template = route ? stringValue(findAll(route, (n) => /string_literal$/.test(n.type))[0] as SyntaxNode | undefined) : undefined;
  if (!template) return null;
  // The prefix is what comes before the action: members/[controller]/[action] -> /members/Account.
  const prefix = template.split(/\/(?:\[action\]|\{action[^}]*\})/i)[0]!;
  return (
    '/' +
    prefix
      .replace(/\[controller\]/gi, controller)
      .replace(/\[area\]/gi, area ?? '')
      .replace(/^~?\/+|\/+$/g, '')
  );
}

/** Where the account controller answers: its [Route] template, else the conventional /{area}/Account. */
export async function accountRoute(facts: ProjectFacts): Promise<string> {
  const mvc = facts.ui.mvc!;
  return (await routeOf(facts, mvc.accountController, 'Account', mvc.area)) ?? `${mvc.area ? `/${mvc.area}` : ''}/Account`;
}

/** The MVC controller that holds passkey management: the app's ManageController, else a new PasskeysController. */
export interface ManageTarget {
  controller: 'Manage' | 'Passkeys';
  /** the ManageController file, relative to the project (null: a PasskeysController is created) */
  file: string | null;
  area: string | null;
  prefix: string;
}

export async function manageTarget(facts: ProjectFacts): Promise<ManageTarget> {
  const manage = facts.ui.manageController;
  if (manage) {
    const prefix = (await routeOf(facts, manage.file, 'Manage', manage.area)) ?? `${manage.area ? `/${manage.area}` : ''}/Manage`;
    return { controller: 'Manage', file: manage.file, area: manage.area, prefix };
  }
  const area = facts.ui.mvc?.area ?? null;
  return { controller: 'Passkeys', file: null, area, prefix: `${area ? `/${area}` : ''}/Passkeys` };
}

function viewsRootOf(dir: string, area: string | null): string {
  return area ? path.join(dir, 'Areas', area, 'Views') : path.join(dir, 'Views');
}

/** Sign-in for an AccountController with views: the login view's button and autofill, and a PasskeyLogin action. */
export async function planMvcLogin(ctx: UiContext): Promise<UiPart> {
  const facts = ctx.facts;
  const mvc = facts.ui.mvc!;
  const dir = ctx.projectDir;
  const viewsRoot = viewsRootOf(dir, mvc.area);
  const notes: string[] = [];
  const values = templateValues(ctx);
  ensureTagHelper(ctx, viewsRoot, 'ui/mvc/_ViewImports.cshtml.tmpl', values, 'view imports (passkey tag helper)');
  const accountFile = path.join(dir, mvc.accountController);
  const accountText = ctx.files.read(accountFile);
  const accountTree = (await parseCSharp(accountFile, accountText)).tree.rootNode;
  const account = findClass(accountTree, 'AccountController')!;
  if (mvc.loginView) {
    const view = path.join(dir, mvc.loginView);
    const markup = ctx.files.read(view);
    const form = findLoginForm(markup);
    if (!form) {
      notes.push(`${mvc.loginView}: no sign-in form with a password field found; add <passkey-submit-button operation="Request" ...> by hand`);
    } else {
      const field = userNameField(markup.slice(form.start, form.end)) ?? 'Email';
      const edits: TextEdit[] = [];
      if (!markup.includes('<passkey-submit-button')) {
        const returnUrl = /Model\.ReturnUrl/.test(markup) ? 'Model.ReturnUrl' : 'ViewData["ReturnUrl"]';
        const block = render('ui/mvc/LoginButton.cshtml.tmpl', {
          EmailName: field,
          Controller: 'Account',
          ReturnUrl: returnUrl,
          ButtonClass: 'btn btn-outline-primary', // the same in Bootstrap 4 and 5
        });
        const button = afterSubmitButtonEdit(markup, form, block);
        if (button) edits.push(button);
        else notes.push(`${mvc.loginView}: no submit button in the sign-in form; add <passkey-submit-button operation="Request" ...> by hand`);
      }
      const autofill = autofillEdit(markup, form, field);
      if (autofill) edits.push(autofill);
      if (edits.length) ctx.files.write(view, applyEdits(markup, edits), 'passkey sign-in button and autofill');
    }
  } else {
    notes.push('no Views/Account/Login.cshtml found; add <passkey-submit-button operation="Request" ...> to the login view by hand');
  }
  const loginPost = classMembers(account).find(
    (m) =>
      m.type === 'method_declaration' &&
      m.childForFieldName('name')?.text === 'Login' &&
      /\[\s*HttpPost\b/.test(m.text.slice(0, m.childForFieldName('name')!.startIndex - m.startIndex)),
  );
  const logic = loginPost ? readSignInLogic(accountTree, account, loginPost, ctx.userType) : null;
  if (logic?.rateLimitPolicies[0]) ctx.rateLimitPolicy = logic.rateLimitPolicies[0];
  if (!memberNamed(account, 'PasskeyLogin')) {
    refuseSyntaxErrors(account, accountFile);
    const shared = logic
      ? shareSignIn(accountText, logic, {
          file: accountFile,
          projectDir: dir,
          userType: ctx.userType,
          signInManager: 'passkeySignIn',
          nullable: stringType(ctx, accountText) === 'string?',
          ignorePostLogin: ctx.ignorePostLogin,
        })
      : null;
    notes.push(...(shared?.notes ?? []));
    const lockoutView = ctx.files.exists(path.join(viewsRoot, 'Account', 'Lockout.cshtml')) || ctx.files.exists(path.join(viewsRoot, 'Shared', 'Lockout.cshtml'));
    const action = render('ui/mvc/LoginAction.cs.tmpl', {
      UserType: ctx.userType,
      StringType: stringType(ctx, accountText),
      LoginAction: 'Login',
      // The branches the app's own login action has (two-factor, a lockout action or view).
      TwoFactor: memberNamed(account, 'LoginWith2fa') ? render('ui/mvc/LoginAction.TwoFactor.cs.tmpl', {}) : '',
      Lockout: memberNamed(account, 'Lockout') ? render('ui/mvc/LoginAction.LockoutAction.cs.tmpl', {}) : lockoutView ? render('ui/mvc/LoginAction.LockoutView.cs.tmpl', {}) : '',
      ExtraAttributes: (logic?.actionAttributes ?? []).map((a) => `[${a}]\n`).join(''),
      SignIn: indent(shared?.signIn ?? defaultSignIn({ signInManager: 'passkeySignIn' }), '    '),
      OnSucceeded: indent(shared?.onSucceeded ?? render('ui/mvc/LoginAction.OnSucceeded.cs.tmpl', {}), '        '),
    });
    controllerEdit(ctx, accountFile, accountText, accountTree, account, shared?.members ? `${action}\n${shared.members}` : action, 'passkey sign-in action', shared?.edits ?? []);
  }
  const elementPages: ViewLocation[] = mvc.loginView ? [{ file: path.join(dir, mvc.loginView), kind: 'view', area: mvc.area, controller: 'Account' }] : [];
  return { notes, elementPages };
}

/** Passkey management as actions and views of the app's ManageController (or a new PasskeysController). */
export async function planMvcManage(ctx: UiContext, target: ManageTarget): Promise<UiPart> {
  const dir = ctx.projectDir;
  const viewsRoot = viewsRootOf(dir, target.area);
  const notes: string[] = [];
  const values = { ...templateValues(ctx), Controller: target.controller };
  createFile(ctx, path.join(dir, 'Passkeys', 'PasskeyViewModels.cs'), render('ui/mvc/PasskeyViewModels.cs.tmpl', values), 'passkey view models');
  ensureTagHelper(ctx, viewsRoot, 'ui/mvc/_ViewImports.cshtml.tmpl', values, 'view imports (passkey tag helper)');
  const manageViews = path.join(viewsRoot, target.controller);
  const hasManageLayout = ctx.files.exists(path.join(manageViews, '_Layout.cshtml'));
  const hasManageNav = ctx.files.exists(path.join(manageViews, '_ManageNav.cshtml'));
  const wrap = !hasManageLayout && hasManageNav;
  const viewValues = {
    ...values,
    NavOpen: wrap ? render('ui/mvc/NavOpen.cshtml.tmpl', {}).trimEnd() : '',
    NavClose: wrap ? render('ui/mvc/NavClose.cshtml.tmpl', {}).trimEnd() : '',
  };
  if (target.file) {
    const manageFile = path.join(dir, target.file);
    const manageText = ctx.files.read(manageFile);
    const manageTree = (await parseCSharp(manageFile, manageText)).tree.rootNode;
    const manage = findClass(manageTree, 'ManageController')!;
    if (!memberNamed(manage, 'Passkeys')) {
      const actions = render('ui/mvc/ManageActions.cs.tmpl', { Namespace: ctx.namespace, UserType: ctx.userType, StringType: stringType(ctx, manageText) });
      controllerEdit(ctx, manageFile, manageText, manageTree, manage, actions, 'passkey management actions');
    }
  } else {
    // The new controller file enables nullable itself.
    const actions = render('ui/mvc/ManageActions.cs.tmpl', { Namespace: ctx.namespace, UserType: ctx.userType, StringType: 'string?' });
    const controllerDir = ctx.facts.ui.mvc ? path.dirname(path.join(dir, ctx.facts.ui.mvc.accountController)) : path.join(dir, 'Controllers');
    createFile(
      ctx,
      path.join(controllerDir, 'PasskeysController.cs'),
      render('ui/mvc/PasskeysController.cs.tmpl', { ...values, Actions: indent(actions, '    ') }),
      'passkey management controller',
    );
    notes.push(`the app has no ManageController: passkeys are managed at ${target.prefix}; link to it from the account menu`);
  }
  createFile(ctx, path.join(manageViews, 'Passkeys.cshtml'), render('ui/mvc/Passkeys.cshtml.tmpl', viewValues), 'passkeys management view');
  createFile(ctx, path.join(manageViews, 'RenamePasskey.cshtml'), render('ui/mvc/RenamePasskey.cshtml.tmpl', viewValues), 'rename passkey view');
  if (hasManageNav) {
    const nav = path.join(manageViews, '_ManageNav.cshtml');
    editFile(
      ctx,
      nav,
      (t) => (/asp-action="Passkeys"/.test(t) ? t : applyOne(t, navEntryEdit(t, render('ui/mvc/ManageNavEntry.cshtml.tmpl', values), /ChangePassword/))),
      'Passkeys entry in the manage menu',
    );
  }
  const action = (name: string) => `@Url.Action("${name}", new { returnUrl = Model.ReturnUrl })`;
  const prompt = path.join(manageViews, 'PasskeyPrompt.cshtml');
  createFile(
    ctx,
    prompt,
    render('ui/mvc/PasskeyPrompt.cshtml.tmpl', {
      ...values,
      Body: promptBody({ add: action('PasskeyPromptAdd'), later: action('PasskeyPromptLater'), never: action('PasskeyPromptNever') }),
    }),
    'passkey enrollment prompt view',
  );
  return {
    notes,
    elementPages: [
      { file: path.join(manageViews, 'Passkeys.cshtml'), kind: 'view', area: target.area, controller: target.controller },
      { file: prompt, kind: 'view', area: target.area, controller: target.controller },
    ],
  };
}

function controllerEdit(ctx: UiContext, file: string, text: string, root: SyntaxNode, cls: SyntaxNode, members: string, reason: string, extra: TextEdit[] = []): void {
  refuseSyntaxErrors(cls, file);
  const edits: TextEdit[] = [appendMembersEdit(text, cls, members), ...extra];
  for (const ns of [`${ctx.namespace}.Passkeys`, 'Microsoft.AspNetCore.Identity']) {
    if (!hasUsing(root, text, ns, globalUsingsFor(ctx.facts, file))) edits.push(usingEdit(root, text, ns));
  }
  ctx.files.write(file, applyEdits(text, edits), reason);
}

/** An AccountController with views (and a ManageController where the app has one) as a UI kind. */
export const mvcKind: UiKindPlanner = {
  name: 'mvc',
  description: 'MVC',
  detects: (facts) => facts.ui.shape === 'mvc-controllers',
  loginProblem: (facts) => (facts.ui.mvc ? null : '--ui mvc needs an AccountController with views; none was found'),
  manageProblem: (facts) => (facts.ui.manageController || facts.ui.mvc ? null : '--manage-ui mvc needs a ManageController or an AccountController; none was found'),
  routePrefix: accountRoute,
  planLogin: planMvcLogin,
  planManage: async (ctx) => planMvcManage(ctx, await manageTarget(ctx.facts)),
  signInPages: async (facts) => {
    const account = await accountRoute(facts);
    return { registerPath: `${account}/Register`, loginPath: `${account}/Login` };
  },
  passkeysPath: async (facts) => `${(await manageTarget(facts)).prefix}/Passkeys`,
  promptPath: async (facts) => `${(await manageTarget(facts)).prefix}/PasskeyPrompt`,
};
