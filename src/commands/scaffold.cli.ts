/** `passkey-migrate scaffold`: its options and help; the command itself loads only when it runs. */
import type { CommandSpec } from './command.js';
import { manageUiOption, noPromptOption, onConflictOption, uiOption } from './options.js';
import type { ScaffoldOptions } from './scaffold.js';

export const scaffoldCommand: CommandSpec<ScaffoldOptions> = {
  name: 'scaffold',
  parent: null,
  writes: { check: 'exit 0 when in place, 2 when pending' },
  define: (command) =>
    command
      .description('only the passkey UI: models, <passkey-submit> element, endpoints, login, manage pages, nav link, script include')
      .option('--pages', 'the sign-in and passkey management pages (what scaffold makes; may be left out)')
      .addOption(uiOption())
      .addOption(manageUiOption())
      .addOption(onConflictOption())
      .option('--force-ui', 'add the passkey UI even where the app has passkey support of its own')
      .option('--ignore-post-login', 'let the passkey sign-in skip what the password sign-in does besides signing in, where it cannot be shared')
      .addOption(noPromptOption())
      .addHelpText(
        'after',
        `
Examples:
  $ passkey-migrate scaffold --dry-run   the UI plan with diffs (for an app already on .NET 10 and Version3)
  $ passkey-migrate scaffold --check     for CI: exit 2 while the pages are not in place
  $ passkey-migrate scaffold --yes --manage-ui mvc`,
      ),
  run: async (options, out) => (await import('./scaffold.js')).scaffold(options, out),
};
