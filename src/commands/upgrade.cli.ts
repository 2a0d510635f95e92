/** `passkey-migrate upgrade`: its options and help; the command itself loads only when it runs. */
import type { CommandSpec } from './command.js';
import { aspnetVersionOption, switchMysqlProviderOption } from './options.js';
import type { UpgradeCommandOptions } from './upgrade.js';

export const upgradeCommand: CommandSpec<UpgradeCommandOptions> = {
  name: 'upgrade',
  parent: null,
  writes: { check: 'exit 0 when up to date, 2 when changes are pending' },
  define: (command) =>
    command
      .description('retarget to .NET 10, switch Identity to schema Version3 and write the EF migration AddPasskeySupport')
      .addOption(aspnetVersionOption())
      .addOption(switchMysqlProviderOption())
      .option('--keep-existing-columns', 'keep PhoneNumber and the key columns as they are (model configuration in the DbContext)')
      .option('--skip-retarget', 'leave target frameworks, packages and global.json alone')
      .option('--offline', 'do not ask NuGet sources; use the built-in known-good versions')
      .addHelpText(
        'after',
        `
Examples:
  $ passkey-migrate upgrade --dry-run
  $ passkey-migrate upgrade
  $ passkey-migrate upgrade --aspnet-version 10.0.15 --keep-existing-columns`,
      ),
  run: async (options, out) => (await import('./upgrade.js')).upgrade(options, out),
};
