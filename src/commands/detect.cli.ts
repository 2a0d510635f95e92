/** `passkey-migrate detect`: its options and help; the command itself loads only when it runs. */
import type { CommandSpec } from './command.js';
import { connectTimeoutOption } from './options.js';
import type { DetectOptions } from './detect.js';

export const detectCommand: CommandSpec<DetectOptions> = {
  name: 'detect',
  parent: null,
  define: (command) =>
    command
      .description('report the web project, its Identity setup, UI shape, migrations and database (read-only)')
      .option('--connection <string>', 'use this connection string instead of the app configuration')
      .option('--skip-db', 'do not connect to the database')
      .option('--build', 'also build the app as it is and ask EF whether its model agrees with its migrations (seconds)')
      .addOption(connectTimeoutOption())
      .addHelpText(
        'after',
        `
Examples:
  $ passkey-migrate detect
  $ passkey-migrate detect --project MyApp.sln --json
  $ passkey-migrate detect --connection "Host=db;Database=app;Username=app;Password=..."`,
      ),
  run: async (options, out) => (await import('./detect.js')).detect(options, out),
};
