/** What every UI planner works with (the facts, the staged tree, the app's names), and a small text helper. */
import type { ProjectFacts } from '../../read/project/index.js';
import type { ViewLocation } from '../../read/project/layouts.js';
import type { StagedTree } from '../tree.js';

export interface UiContext {
  facts: ProjectFacts;
  projectDir: string;
  namespace: string;
  assembly: string;
  userType: string;
  bootstrap: 4 | 5;
  routePrefix: string;
  /** the project enables nullable reference types */
  nullable: boolean;
  /** the staged tree: reads see what earlier parts of the same plan will write, and edits go into it */
  files: StagedTree;
  /** the passkey sign-in may skip what the password sign-in does besides signing in (--ignore-post-login) */
  ignorePostLogin: boolean;
  /** the enrollment prompt is on unless the configuration says otherwise (false: --no-prompt) */
  prompt: boolean;
  /** the rate-limit policy on the login page or action, set by the login planner: the endpoints get it too */
  rateLimitPolicy?: string;
}

export function indent(block: string, by: string): string {
  return block
    .replace(/\s+$/, '')
    .split('\n')
    .map((l) => (l.length ? by + l : ''))
    .join('\n');
}

/** What a login or manage planner staged: its notes, and the pages that use the <passkey-submit> element. */
export interface UiPart {
  notes: string[];
  elementPages: ViewLocation[];
}

/**
 * One way an app signs users in and manages accounts (Identity's Razor Pages, MVC controllers with views): how
 * it is recognised, what it needs, how its passkey UI is planned, and where a browser finds its pages. The kinds
 * are registered in kinds.ts; adding one is a folder of templates, a planner implementing this, and one line there.
 */
export interface UiKindPlanner {
  name: 'razor' | 'mvc';
  /** in messages: "Identity pages", "MVC" */
  description: string;
  /** the app's UI shape says its users sign in this way */
  detects(facts: ProjectFacts): boolean;
  /** why this kind cannot hold the sign-in here (null: it can) */
  loginProblem(facts: ProjectFacts): string | null;
  /** why this kind cannot hold passkey management here (null: it can) */
  manageProblem(facts: ProjectFacts): string | null;
  /** where the sign-in endpoints are mapped (the account pages' or controller's route) */
  routePrefix(facts: ProjectFacts): Promise<string>;
  planLogin(ctx: UiContext): Promise<UiPart>;
  planManage(ctx: UiContext): Promise<UiPart>;
  /** the register and sign-in pages a browser opens (verify) */
  signInPages(facts: ProjectFacts): Promise<{ registerPath: string; loginPath: string }>;
  /** the passkeys management page */
  passkeysPath(facts: ProjectFacts): Promise<string>;
  /** the enrollment prompt (PasskeyPrompt.cs), next to passkey management */
  promptPath(facts: ProjectFacts): Promise<string>;
}
