/** `passkey-migrate stats`: its options and help; the command itself loads only when it runs. */
import type { CommandSpec } from './command.js';
import { connectTimeoutOption } from './options.js';
import type { StatsOptions } from './stats.js';

export const statsCommand: CommandSpec<StatsOptions> = {
  name: 'stats',
  parent: null,
  define: (command) =>
    command
      .description("passkey adoption from the app's database (read-only; counts only, no user data)")
      .option('--connection <string>', 'use this connection string instead of the app configuration')
      .addOption(connectTimeoutOption())
      .addHelpText(
        'after',
        `
Examples:
  $ passkey-migrate stats
  $ passkey-migrate stats --json > adoption.json`,
      ),
  run: async (options, out) => (await import('./stats.js')).stats(options, out),
};
