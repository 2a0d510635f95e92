/** The passkey UI plan: which pieces the app's shape needs, staged into the tree (nothing is written here). */
import path from 'node:path';
import { UserError } from '../../core/errors.js';
import type { ProjectFacts } from '../../read/project/index.js';
import type { StagedTree } from '../tree.js';
import { planCommonUi, uiContext } from './common.js';
import { isUiKind, UI_KINDS, uiKind, type UiKind } from './kinds.js';

export type { UiKind } from './kinds.js';

export interface UiPlan {
  kind: UiKind;
  /** where passkeys are managed */
  manageKind: UiKind;
  notes: string[];
}

export function uiKindFor(facts: ProjectFacts, requested?: string): UiKind {
  if (requested !== undefined && !isUiKind(requested)) {
    throw new UserError(`--ui must be ${Object.keys(UI_KINDS).join(' or ')}, not "${requested}"`);
  }
  if (requested) return requested;
  const detected = Object.values(UI_KINDS).find((k) => k.detects(facts));
  if (detected) return detected.name;
  if (facts.ui.accountElsewhere) {
    const where = path.relative(facts.located.root, facts.ui.accountElsewhere).split(path.sep).join('/');
    throw new UserError(
      `the app signs users in with an AccountController in another project (${where}), a module passkey-migrate does not edit: it adds the passkey UI to the web project's own pages and controllers only`,
      {
        hint: 'pass --skip-ui to upgrade the project and the database, then add the passkey button and manage pages to that module by hand (the Passkeys/*.cs files of a migrated sample show how)',
      },
    );
  }
  throw new UserError('cannot tell how the app signs users in: no Identity UI package, Areas/Identity/Pages or AccountController found', {
    hint: 'pass --ui razor (Identity Razor Pages) or --ui mvc (account controller)',
  });
}

/** The app's own passkey support, which a second passkey sign-in would duplicate: refused unless --force-ui. */
export function refuseExistingPasskeys(facts: ProjectFacts, forceUi: boolean | undefined): void {
  const found = facts.existingPasskeys;
  if (!found.length || forceUi) return;
  const rel = (f: string) => path.relative(facts.located.root, f).split(path.sep).join('/');
  throw new UserError(
    `the app already has passkey support of its own: ${found
      .slice(0, 3)
      .map((f) => `${f.what} (${rel(f.file)}${f.line ? `:${f.line}` : ''})`)
      .join('; ')}${found.length > 3 ? `; and ${found.length - 3} more` : ''}; a second passkey sign-in would duplicate it`,
    {
      hint: 'pass --skip-ui to upgrade only the project and database, or --force-ui to add the Identity passkey UI anyway',
    },
  );
}

/**
 * Where passkeys are managed: the one account-management place the app has, else the one its account menu links
 * to (the layout's or login partial's link), else the sign-in kind's; `--manage-ui` decides when given.
 */
export function manageKindFor(facts: ProjectFacts, loginKind: UiKind, requested?: string): { kind: UiKind; note: string | null } {
  const { candidates, link } = facts.ui.manage;
  if (requested !== undefined) {
    if (!isUiKind(requested)) throw new UserError(`--manage-ui must be ${Object.keys(UI_KINDS).join(' or ')}, not "${requested}"`);
    const problem = uiKind(requested).manageProblem(facts);
    if (problem) throw new UserError(problem, { hint: 'use --manage-ui razor for the Identity account pages' });
    return { kind: requested, note: null };
  }
  const kinds = [...new Set(candidates.map((c) => c.kind))];
  if (kinds.length === 1) return { kind: kinds[0]!, note: null };
  if (kinds.length === 0) return { kind: loginKind, note: null };
  const list = candidates.map((c) => c.description).join(' and ');
  if (link) {
    const chosen = candidates.find((c) => c.kind === link.kind)!;
    const other = Object.keys(UI_KINDS).find((k) => k !== link.kind);
    return {
      kind: link.kind,
      note: `the app manages accounts in ${list}; passkeys go to ${chosen.description}, where the account menu links (${link.file}:${link.line}); --manage-ui ${other} chooses the other`,
    };
  }
  return {
    kind: loginKind,
    note: `the app manages accounts in ${list} and its menu links to neither; passkeys go with the sign-in (${uiKind(loginKind).description}); pass --manage-ui razor|mvc to choose`,
  };
}

/** What `add` and `scaffold` let the user choose about the UI. */
export interface UiOptions {
  ui?: string;
  manageUi?: string;
  forceUi?: boolean;
  ignorePostLogin?: boolean;
  /** the enrollment prompt on by default (false: --no-prompt) */
  prompt?: boolean;
}

export async function planUi(facts: ProjectFacts, tree: StagedTree, options: UiOptions = {}): Promise<UiPlan> {
  refuseExistingPasskeys(facts, options.forceUi);
  const kind = uiKindFor(facts, options.ui);
  const manage = manageKindFor(facts, kind, options.manageUi);
  const login = uiKind(kind);
  const problem = login.loginProblem(facts);
  if (problem) throw new UserError(problem, { hint: 'use --ui razor for the Identity Razor Pages' });
  const ctx = uiContext(facts, await login.routePrefix(facts), tree, { ignorePostLogin: options.ignorePostLogin ?? false, prompt: options.prompt ?? true });
  const signIn = await login.planLogin(ctx);
  const managing = uiKind(manage.kind);
  const managed = await managing.planManage(ctx);
  const common = await planCommonUi(ctx, [...signIn.elementPages, ...managed.elementPages], {
    passkeys: await managing.passkeysPath(facts),
    prompt: await managing.promptPath(facts),
  });
  return { kind, manageKind: manage.kind, notes: [...(manage.note ? [manage.note] : []), ...common.notes, ...signIn.notes, ...managed.notes] };
}
