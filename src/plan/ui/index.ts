/** The passkey UI plan: which pieces the app's shape needs, staged into the tree (nothing is written here). */
import path from 'node:path';
import { UserError } from '../../core/errors.js';
import type { ProjectFacts } from '../../read/project/index.js';
import type { StagedTree } from '../tree.js';
import { planCommonUi, uiContext } from './common.js';
import { mvcRoutes, planMvcUi } from './mvc.js';
import { IDENTITY_ROUTE_PREFIX, planRazorPagesUi } from './razor-pages.js';

export type UiKind = 'razor' | 'mvc';

export interface UiPlan {
  kind: UiKind;
  notes: string[];
}

export function uiKindFor(facts: ProjectFacts, requested?: string): UiKind {
  if (requested !== undefined && requested !== 'razor' && requested !== 'mvc') {
    throw new UserError(`--ui must be razor or mvc, not "${requested}"`);
  }
  if (requested) return requested;
  switch (facts.ui.shape) {
    case 'identity-ui-default':
    case 'identity-ui-scaffolded':
      return 'razor';
    case 'mvc-controllers':
      return 'mvc';
    default:
      throw new UserError('cannot tell how the app signs users in: no Identity UI package, Areas/Identity/Pages or AccountController found', {
        hint: 'pass --ui razor (Identity Razor Pages) or --ui mvc (account controller)',
      });
  }
}

/** The app's own passkey support, which a second passkey sign-in would duplicate: refused unless --force-ui. */
export function refuseExistingPasskeys(facts: ProjectFacts, forceUi: boolean | undefined): void {
  const found = facts.existingPasskeys;
  if (!found.length || forceUi) return;
  const rel = (f: string) => path.relative(facts.located.root, f).split(path.sep).join('/');
  throw new UserError(`the app already has passkey support of its own: ${found.slice(0, 3).map((f) => `${f.what} (${rel(f.file)}${f.line ? `:${f.line}` : ''})`).join('; ')}${found.length > 3 ? `; and ${found.length - 3} more` : ''}; a second passkey sign-in would duplicate it`, {
    hint: 'pass --skip-ui to upgrade only the project and database, or --force-ui to add the Identity passkey UI anyway',
  });
}

export async function planUi(facts: ProjectFacts, tree: StagedTree, options: { ui?: string; forceUi?: boolean } = {}): Promise<UiPlan> {
  refuseExistingPasskeys(facts, options.forceUi);
  const kind = uiKindFor(facts, options.ui);
  let pages: { notes: string[] };
  let ctx;
  if (kind === 'mvc') {
    if (!facts.ui.mvc) {
      throw new UserError('--ui mvc needs an AccountController with views; none was found', { hint: 'use --ui razor for the Identity Razor Pages' });
    }
    const routes = await mvcRoutes(facts);
    ctx = uiContext(facts, routes.account, tree);
    pages = await planMvcUi(ctx, routes);
  } else {
    ctx = uiContext(facts, IDENTITY_ROUTE_PREFIX, tree);
    pages = await planRazorPagesUi(ctx);
  }
  const common = await planCommonUi(ctx);
  return { kind, notes: [...common.notes, ...pages.notes] };
}
