/**
 * The command line. Commands are loaded only when run, so `--help` stays fast and the heavy modules (C# parser,
 * database drivers, ts-morph) load only for the command that needs them.
 */
import { Command, CommanderError, Option } from 'commander';
import { isUserError, UserError } from './core/errors.js';
import { describeFsError, isFsError } from './core/fs-errors.js';
import { Output } from './core/output.js';
import { redactText } from './core/redact.js';
import { version } from './core/version.js';
import {
  aspnetVersionOption,
  checkOption,
  connectTimeoutOption,
  dryRunOption,
  lockTimeoutOption,
  onConflictOption,
  providerOption,
  uiOption,
  manageUiOption,
  wholeNumber,
  yesOption,
} from './commands/options.js';

interface GlobalOptions {
  json?: boolean;
  verbose?: boolean;
  color?: boolean;
}

export async function main(argv: string[]): Promise<number> {
  // `passkey-migrate ... | head` closes the pipe early: that is not an error.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
  let exitCode = 0;
  let verbose = argv.includes('--verbose');
  const program = new Command('passkey-migrate')
    .description('Upgrade an ASP.NET Core Identity app (Razor Pages or MVC, EF Core stores) to passkeys on .NET 10.')
    .version(version, '-V, --version')
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text) })
    .addHelpText(
      'after',
      `
Examples:
  $ passkey-migrate add                         the whole upgrade: plan, confirm, apply
  $ passkey-migrate add --check                 CI gate: exit 2 while anything is pending
  $ passkey-migrate verify                      sign up and in with a passkey in Chromium
  $ passkey-migrate detect                      what app is this, and is it supported?
  $ passkey-migrate detect --project src/Web --json

Exit codes: 0 success or nothing to do, 1 error, 2 changes pending (with --check).`,
    );

  const run = (load: () => Promise<(options: any, out: Output) => Promise<number>>) => async (options: GlobalOptions & Record<string, unknown>) => {
    verbose = options.verbose ?? false;
    const out = new Output({ json: options.json, verbose, color: options.color === false ? false : undefined });
    await out.init();
    const command = await load();
    exitCode = await command(options, out);
  };

  const common = (command: Command) =>
    command
      .option('-p, --project <path>', 'the app: a folder, .csproj, .sln or .slnx (default: current folder)')
      .option('--json', 'write one JSON document to stdout; logs go to stderr')
      .option('--verbose', 'show details and stack traces')
      .option('--no-color', 'plain output (also NO_COLOR or a non-TTY stdout)');

  common(program.command('detect'))
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
    )
    .action(run(async () => (await import('./commands/detect.js')).detect));

  common(program.command('add'))
    .description('the whole upgrade in one reviewable, reversible step: .NET 10, schema Version3, EF migration, passkey UI, database')
    .addOption(yesOption())
    .addOption(dryRunOption())
    .addOption(checkOption('exit 0 when fully migrated, 2 when anything is pending (listing what)'))
    .addOption(uiOption().conflicts(['skipUi']))
    .addOption(manageUiOption().conflicts(['skipUi']))
    .option('--skip-ui', 'no passkey UI (only the project and the database)')
    .option('--force-ui', 'add the passkey UI even where the app has passkey support of its own')
    .option('--ignore-post-login', 'let the passkey sign-in skip what the password sign-in does besides signing in, where it cannot be shared')
    .option('--skip-db', 'do not touch (or, with --check, look at) the database')
    .option('--skip-retarget', 'leave target frameworks, packages and global.json alone')
    .option('--keep-existing-columns', 'keep PhoneNumber and the key columns as they are')
    .option('--allow-dirty', 'run even when the git worktree has uncommitted changes')
    .option('--require-clean-build', 'stop unless the app builds and EF agrees with its migrations before anything changes')
    .addOption(onConflictOption())
    .addOption(aspnetVersionOption())
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
  $ passkey-migrate add --yes --on-conflict skip`,
    )
    .action(
      run(async () => async (options: any, out: Output) => {
        // The CI gate answers from the last check when nothing it read changed (commands/check-cache.ts).
        if (!options.check) return (await import('./commands/add.js')).add(options, out);
        const { checkWithCache } = await import('./commands/check-cache.js');
        return checkWithCache(options, out, async (observe) => (await import('./commands/add.js')).add(options, out, observe));
      }),
    );

  common(program.command('undo'))
    .description('revert the last add (or upgrade, scaffold) from its journal: database rolled back, files restored')
    .option('-y, --yes', 'undo without asking')
    .option('--force', 'roll the database back even when users have registered passkeys (they are deleted)')
    .option('--skip-db', 'restore the files only')
    .option('--connection <string>', 'use this connection string instead of the app configuration')
    .action(run(async () => (await import('./commands/undo.js')).undo));

  common(program.command('scaffold'))
    .description('only the passkey UI: models, <passkey-submit> element, endpoints, login, manage pages, nav link, script include')
    .option('--pages', 'the sign-in and passkey management pages (required)')
    .addOption(uiOption())
    .addOption(manageUiOption())
    .addOption(yesOption())
    .addOption(dryRunOption())
    .addOption(checkOption('exit 0 when in place, 2 when pending'))
    .addOption(onConflictOption())
    .option('--force-ui', 'add the passkey UI even where the app has passkey support of its own')
    .option('--ignore-post-login', 'let the passkey sign-in skip what the password sign-in does besides signing in, where it cannot be shared')
    .action(run(async () => (await import('./commands/scaffold.js')).scaffold));

  common(program.command('verify'))
    .description('build and run the app on localhost, and drive Chromium with a virtual authenticator through the passkey flows')
    .option('--browser <path>', 'the Chromium or Chrome executable (default: found on the machine)')
    .addOption(new Option('--port <n>', 'the port to run the app on (default: a free one)').argParser(wholeNumber('a port', 1, 65535)))
    .option('--no-build', 'use the existing build')
    .option('--screenshots <dir>', 'where to save screenshots on failure (default: a folder in the system temp folder)')
    .option('--launch-profile <name>', "run the app with this launch profile's variables (default: the one dotnet run picks)")
    .option('--environment <name>', "the ASP.NET Core environment to run the app in (default: the launch profile's, else Development)")
    .option('--register-field <name=value...>', "a value for a field of the app's register form (repeatable)")
    .option('--capture <dir>', 'also save screenshots of the login and passkey pages as users see them')
    .addOption(new Option('--timeout <ms>', 'bound on each step').argParser(wholeNumber('milliseconds', 1, 3_600_000)).default(30000))
    .action(run(async () => (await import('./commands/verify.js')).verify));

  common(program.command('upgrade'))
    .description('retarget to .NET 10, switch Identity to schema Version3 and write the EF migration AddPasskeySupport')
    .addOption(dryRunOption())
    .addOption(checkOption('exit 0 when up to date, 2 when changes are pending'))
    .addOption(aspnetVersionOption())
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
    )
    .action(run(async () => (await import('./commands/upgrade.js')).upgrade));

  const db = program.command('db').description("the AddPasskeySupport migration on the app's database");
  const dbOptions = (command: Command) =>
    common(command)
      .option('--connection <string>', 'use this connection string instead of the app configuration')
      .addOption(providerOption())
      .option('--context <name>', 'the DbContext (checked against the one Identity uses)')
      .addOption(connectTimeoutOption())
      .addOption(lockTimeoutOption());

  dbOptions(db.command('update'))
    .description('apply AddPasskeySupport: the passkeys table, the column changes of schema Version3 and the EF history row')
    .addOption(checkOption('exit 0 when applied, 2 when pending (saying what)').conflicts(['script']))
    .option('--script', 'print the SQL for the provider without connecting')
    .option('--idempotent', 'with --script: guard every statement with the history check, as EF does')
    .option('--keep-existing-columns', 'only add the passkeys table; leave every existing column as it is')
    .addHelpText(
      'after',
      `
Examples:
  $ passkey-migrate db update
  $ passkey-migrate db update --check
  $ passkey-migrate db update --script --idempotent > add-passkeys.sql
  $ passkey-migrate db update --keep-existing-columns --connection "Host=db;Database=app;Username=app;Password=..."`,
    )
    .action(run(async () => (await import('./commands/db-update.js')).dbUpdate));

  dbOptions(db.command('rollback'))
    .description('undo exactly what AddPasskeySupport did (refuses while passkeys exist, unless --force)')
    .option('--force', 'roll back even when users have passkeys (they are deleted)')
    .addHelpText(
      'after',
      `
Examples:
  $ passkey-migrate db rollback
  $ passkey-migrate db rollback --force`,
    )
    .action(run(async () => (await import('./commands/db-rollback.js')).dbRollback));

  const json = argv.includes('--json');
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0; usage errors were already printed by commander.
      if (error.exitCode !== 0 && json)
        new Output({ json: true }).document({ command: commandName(argv), status: 'error', error: { message: error.message.replace(/^error: /, ''), code: 'usage' } });
      return error.exitCode === 0 ? 0 : 1;
    }
    const out = new Output({ verbose, json });
    const known = isUserError(error) ? error : isFsError(error) ? (describeFsError(error) as UserError) : null;
    if (known) {
      if (json) out.document({ command: commandName(argv), status: 'error', error: { message: known.message, code: known.code, ...(known.hint ? { hint: known.hint } : {}) } });
      if (known.plain) out.info(known.message);
      else out.error(known.message + (known.hint ? ` (${known.hint})` : ''));
      if (verbose && known.stack) out.info(redactText(known.stack));
      return known.exitCode;
    }
    const message = `unexpected failure: ${(error as Error)?.message ?? String(error)}`;
    if (json) out.document({ command: commandName(argv), status: 'error', error: { message, code: 'internal' } });
    out.error(`${message} (this is a bug in passkey-migrate; --verbose shows the stack)`);
    if (verbose) out.info(redactText((error as Error)?.stack ?? ''));
    return 1;
  }
}

/** The command named on the command line ("db update" for the db subcommands), for error documents. */
function commandName(argv: string[]): string {
  const words = argv.slice(2).filter((a) => !a.startsWith('-'));
  return words[0] === 'db' && words[1] ? `db ${words[1]}` : (words[0] ?? 'passkey-migrate');
}
