/** What every UI planner works with (the facts, the staged tree, the app's names), and a small text helper. */
import type { ProjectFacts } from '../../read/project/index.js';
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
