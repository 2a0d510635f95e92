/** `passkey-migrate add`: its options and help; the command itself loads only when it runs. */
import type { CommandSpec } from './command.js';
import { aspnetVersionOption, switchMysqlProviderOption, connectTimeoutOption, lockTimeoutOption, manageUiOption, noPromptOption, onConflictOption, uiOption } from './options.js';
import type { AddOptions } from './add.js';

export const addCommand: CommandSpec<AddOptions> = {
  name: 'add',
  parent: null,
  writes: { check: 'exit 0 when fully migrated, 2 when anything is pending (listing what)' },
  define: (command) =>
    command
      .description('the whole upgrade in one reviewable, reversible step: .NET 10, schema Version3, EF migration, passkey UI, database')
      .addOption(uiOption().conflicts(['skipUi']))
      .addOption(manageUiOption().conflicts(['skipUi']))
      .option('--skip-ui', 'no passkey UI (only the project and the database)')
      .option('--force-ui', 'add the passkey UI even where the app has passkey support of its own')
      .option('--ignore-post-login', 'let the passkey sign-in skip what the password sign-in does besides signing in, where it cannot be shared')
      .addOption(noPromptOption())
      .option('--skip-db', 'do not touch (or, with --check, look at) the database')
      .option('--skip-retarget', 'leave target frameworks, packages and global.json alone')
      .option('--keep-existing-columns', 'keep PhoneNumber and the key columns as they are')
      .option('--require-clean-build', 'stop unless the app builds and EF agrees with its migrations before anything changes')
      .addOption(onConflictOption())
      .addOption(aspnetVersionOption())
      .addOption(switchMysqlProviderOption())
      .option('--offline', 'do not ask NuGet sources; use the built-in known-good versions')
      .option('--connection <string>', 'use this connection string instead of the app configuration')
      .addOption(lockTimeoutOption())
      .addOption(connectTimeoutOption())
      .addHelpText(
        'after',
        `
Examples:
  $ passkey-migrate add                 show the plan, ask, apply
  $ passkey-migrate add --dry-run       the plan with diffs and SQL
  $ passkey-migrate add --check         for CI: exit 2 while anything is pending
  $ passkey-migrate add --yes --on-conflict skip
  $ passkey-migrate add --switch-mysql-provider   MySQL/MariaDB on Pomelo: move to Oracle's provider`,
      ),
  // The CI gate answers from the last check when nothing it read changed (commands/check-cache.ts).
  run: async (options, out) => {
    if (!options.check) return (await import('./add.js')).add(options, out);
    const { checkWithCache } = await import('./check-cache.js');
    return checkWithCache(options, out, async (observe) => (await import('./add.js')).add(options, out, observe));
  },
};
