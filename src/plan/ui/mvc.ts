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
import { appendMembersEdit, findClass, hasUsing, memberNamed, refuseSyntaxErrors, usingEdit } from '../csharp-edit.js';
import { applyEdits, type TextEdit } from '../file-change.js';
import { applyOne, createFile, editFile, indent, stringType, templateValues, type UiContext } from './common.js';
import { addTagHelperEdit, afterSubmitButtonEdit, autofillEdit, findLoginForm, navEntryEdit, userNameField } from './markup-edit.js';

export interface MvcRoutes {
  /** the account controller's URL prefix, e.g. /Account or /Admin/Account */
  account: string;
  /** the controller that holds the passkey pages, and its URL prefix */
  manageController: string;
  manage: string;
}

/** Where the account controller answers: its [Route] template, else the conventional /{area}/Account. */
export async function mvcRoutes(facts: ProjectFacts): Promise<MvcRoutes> {
  const mvc = facts.ui.mvc!;
  const areaPrefix = mvc.area ? `/${mvc.area}` : '';
  const routeOf = async (file: string, controller: string): Promise<string | null> => {
    const full = path.join(facts.msbuild.dir, file);
    const text = readFileSync(full, 'utf8');
    const cls = findClass((await parseCSharp(full, text)).tree.rootNode, `${controller}Controller`);
    const route = cls && findAll(cls, 'attribute').find((a) => a.parent?.parent?.id === cls.id && /^(Route|Microsoft\.AspNetCore\.Mvc\.Route)$/.test(a.childForFieldName('name')?.text ?? ''));
    const template = route ? stringValue(findAll(route, (n) => /string_literal$/.test(n.type))[0] as SyntaxNode | undefined) : undefined;
    if (!template) return null;
    // The prefix is what comes before the action: members/[controller]/[action] -> /members/Account.
    const prefix = template.split(/\/(?:\[action\]|\{action[^}]*\})/i)[0]!;
    return '/' + prefix.replace(/\[controller\]/gi, controller).replace(/\[area\]/gi, mvc.area ?? '').replace(/^~?\/+|\/+$/g, '');
  };
  const account = (await routeOf(mvc.accountController, 'Account')) ?? `${areaPrefix}/Account`;
  if (mvc.manageController) {
    const manage = (await routeOf(mvc.manageController, 'Manage')) ?? `${areaPrefix}/Manage`;
    return { account, manageController: 'Manage', manage };
  }
  return { account, manageController: 'Passkeys', manage: `${areaPrefix}/Passkeys` };
}

export async function planMvcUi(ctx: UiContext, routes: MvcRoutes): Promise<{ notes: string[] }> {
  const facts = ctx.facts;
  const mvc = facts.ui.mvc!;
  const dir = ctx.projectDir;
  const viewsRoot = mvc.area ? path.join(dir, 'Areas', mvc.area, 'Views') : path.join(dir, 'Views');
  const notes: string[] = [];
  const values = { ...templateValues(ctx), Controller: routes.manageController };

  createFile(ctx, path.join(dir, 'Passkeys', 'PasskeyViewModels.cs'), render('ui/mvc/PasskeyViewModels.cs.tmpl', values), 'passkey view models');

  // The tag helper, visible to the views.
  const imports = path.join(viewsRoot, '_ViewImports.cshtml');
  if (ctx.files.exists(imports)) editFile(ctx, imports, (t) => applyOne(t, addTagHelperEdit(t, ctx.assembly)), 'register the passkey tag helper');
  else createFile(ctx, imports, render('ui/mvc/_ViewImports.cshtml.tmpl', values), 'view imports (passkey tag helper)');

  // Sign-in: the login view and a PasskeyLogin action in the account controller.
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
  if (!memberNamed(account, 'PasskeyLogin')) {
    const lockoutView = ctx.files.exists(path.join(viewsRoot, 'Account', 'Lockout.cshtml')) || ctx.files.exists(path.join(viewsRoot, 'Shared', 'Lockout.cshtml'));
    const action = render('ui/mvc/LoginAction.cs.tmpl', {
      UserType: ctx.userType,
      StringType: stringType(ctx, accountText),
      LoginAction: 'Login',
      TwoFactor: memberNamed(account, 'LoginWith2fa')
        ? '    if (outcome.RequiresTwoFactor)\n    {\n        return RedirectToAction("LoginWith2fa", new { returnUrl, rememberMe = false });\n    }\n'
        : '',
      Lockout: memberNamed(account, 'Lockout')
        ? '    if (outcome.IsLockedOut)\n    {\n        return RedirectToAction("Lockout");\n    }\n'
        : lockoutView
          ? '    if (outcome.IsLockedOut)\n    {\n        return View("Lockout");\n    }\n'
          : '',
    });
    controllerEdit(ctx, accountFile, accountText, accountTree, account, action, 'passkey sign-in action');
  }

  // Passkey management.
  const manageViews = path.join(viewsRoot, routes.manageController);
  const hasManageLayout = ctx.files.exists(path.join(manageViews, '_Layout.cshtml'));
  const hasManageNav = ctx.files.exists(path.join(manageViews, '_ManageNav.cshtml'));
  const wrap = !hasManageLayout && hasManageNav;
  const viewValues = { ...values, NavOpen: wrap ? render('ui/mvc/NavOpen.cshtml.tmpl', {}).trimEnd() : '', NavClose: wrap ? render('ui/mvc/NavClose.cshtml.tmpl', {}).trimEnd() : '' };
  if (mvc.manageController) {
    const manageFile = path.join(dir, mvc.manageController);
    const manageText = ctx.files.read(manageFile);
    const manageTree = (await parseCSharp(manageFile, manageText)).tree.rootNode;
    const manage = findClass(manageTree, 'ManageController')!;
    if (!memberNamed(manage, 'Passkeys')) {
      const actions = render('ui/mvc/ManageActions.cs.tmpl', { UserType: ctx.userType, StringType: stringType(ctx, manageText) });
      controllerEdit(ctx, manageFile, manageText, manageTree, manage, actions, 'passkey management actions');
    }
  } else {
    // The new controller file enables nullable itself.
    const actions = render('ui/mvc/ManageActions.cs.tmpl', { UserType: ctx.userType, StringType: 'string?' });
    const controllerDir = path.dirname(path.join(dir, mvc.accountController));
    createFile(ctx, path.join(controllerDir, 'PasskeysController.cs'), render('ui/mvc/PasskeysController.cs.tmpl', { ...values, Actions: indent(actions, '    ') }), 'passkey management controller');
    notes.push(`the app has no ManageController: passkeys are managed at ${routes.manage}; link to it from the account menu`);
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
  return { notes };
}

function controllerEdit(ctx: UiContext, file: string, text: string, root: SyntaxNode, cls: SyntaxNode, members: string, reason: string): void {
  refuseSyntaxErrors(cls, file);
  const edits: TextEdit[] = [appendMembersEdit(text, cls, members)];
  for (const ns of [`${ctx.namespace}.Passkeys`, 'Microsoft.AspNetCore.Identity']) {
    if (!hasUsing(root, text, ns, globalUsingsFor(ctx.facts, file))) edits.push(usingEdit(root, text, ns));
  }
  ctx.files.write(file, applyEdits(text, edits), reason);
}
