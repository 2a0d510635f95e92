/**
 * The command line: the common options, error handling and exit codes; each command's options and help are in
 * its `commands/<name>.cli.ts` spec, registered here. Commands are loaded only when run, so `--help` stays fast
 * and the heavy modules (C# parser, database drivers, ts-morph) load only for the command that needs them.
 */
import { Command, CommanderError } from 'commander';
import { isUserError, UserError } from './core/errors.js';
import { describeFsError, isFsError } from './core/fs-errors.js';
import { Output } from './core/output.js';
import { redactText } from './core/redact.js';
import { version } from './core/version.js';
import { checkOption, connectTimeoutOption, dryRunOption, lockTimeoutOption, providerOption, yesOption } from './commands/options.js';
import type { CommandSpec } from './commands/command.js';
import { errorDoc } from './commands/json.js';
import { addCommand } from './commands/add.cli.js';
import { dbRollbackCommand } from './commands/db-rollback.cli.js';
import { dbUpdateCommand } from './commands/db-update.cli.js';
import { detectCommand } from './commands/detect.cli.js';
import { scaffoldCommand } from './commands/scaffold.cli.js';
import { statsCommand } from './commands/stats.cli.js';
import { undoCommand } from './commands/undo.cli.js';
import { upgradeCommand } from './commands/upgrade.cli.js';
import { verifyCommand } from './commands/verify.cli.js';

/** Every command, in the order of --help. */
const COMMANDS: CommandSpec<any>[] = [detectCommand, addCommand, undoCommand, scaffoldCommand, verifyCommand, statsCommand, upgradeCommand, dbUpdateCommand, dbRollbackCommand];

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

Exit codes: 0 success or nothing to do, 1 error, 2 changes pending (with --check).

Environment:
  PASSKEY_MIGRATE_CACHE            the cache folder (default ~/.cache/passkey-migrate)
  PASSKEY_MIGRATE_NO_CHECK_CACHE   1: add --check always checks in full
  PASSKEY_MIGRATE_NUGET_TTL        seconds a NuGet answer is reused (default 3600)
  PASSKEY_MIGRATE_NUGET_TIMEOUT    ms a NuGet source may take (default 5000)
  PASSKEY_MIGRATE_SQLITE_DRIVER    better-sqlite3: use it even where Node has node:sqlite
  PASSKEY_MIGRATE_STATS_NOW        an ISO date: the week stats ends in (default today)
  PAGER                            what shows long diffs at a question (default less)
  NO_COLOR, FORCE_COLOR=0, TERM=dumb   no colour`,
    );

  const run = (spec: CommandSpec<any>) => async (options: GlobalOptions & Record<string, unknown>) => {
    verbose = options.verbose ?? false;
    const out = new Output({ json: options.json, verbose, color: options.color === false ? false : undefined });
    await out.init();
    exitCode = await spec.run(options, out);
  };

  // The options of every command (commands/target.ts says how -p, -s and --context combine).
  const common = (command: Command) =>
    command
      .option('-p, --project <path>', 'the project of the DbContext, or alone the app: a folder, .csproj, .sln or .slnx (default: current folder)')
      .option('-s, --startup-project <path>', 'the app (the web project), as dotnet ef -s; then --project names the project of the DbContext')
      .option('--context <name>', 'the DbContext (checked against the one Identity uses)')
      .option('--json', 'write one JSON document to stdout, also on errors; needs --yes or --dry-run where a command would ask')
      .option('--verbose', 'show details and stack traces')
      .option('--no-color', 'plain output (also NO_COLOR or a non-TTY stdout)');

  // The options every db command shares.
  const dbOptions = (command: Command) =>
    command
      .option('--connection <string>', 'use this connection string instead of the app configuration')
      .addOption(providerOption())
      .addOption(connectTimeoutOption())
      .addOption(lockTimeoutOption());

  // The db group is made where its first command is listed, so that --help lists it in that place.
  let db: Command | null = null;
  for (const spec of COMMANDS) {
    if (spec.parent === 'db') db ??= program.command('db').description("the AddPasskeySupport migration on the app's database");
    const command = spec.parent === 'db' ? dbOptions(common(db!.command(spec.name))) : common(program.command(spec.name));
    if (spec.writes) {
      command
        .addOption(yesOption())
        .addOption(dryRunOption())
        .addOption(checkOption(spec.writes.check))
        .option('--allow-dirty', 'run even when the git worktree has uncommitted changes');
    }
    spec.define(command).action(run(spec));
  }

  const json = argv.includes('--json');
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0; usage errors were already printed by commander.
      if (error.exitCode !== 0 && json) new Output({ json: true }).document(errorDoc(commandName(argv), { message: error.message.replace(/^error: /, ''), code: 'usage' }));
      return error.exitCode === 0 ? 0 : 1;
    }
    const out = new Output({ verbose, json, color: argv.includes('--no-color') ? false : undefined });
    await out.init();
    const known = isUserError(error) ? error : isFsError(error) ? (describeFsError(error) as UserError) : null;
    if (known) {
      if (json) out.document(errorDoc(commandName(argv), known));
      if (known.plain) out.info(known.message);
      else out.error(known.message + (known.hint ? ` (${known.hint})` : ''));
      if (verbose && known.stack) out.info(redactText(known.stack));
      return known.exitCode;
    }
    const message = `unexpected failure: ${(error as Error)?.message ?? String(error)}`;
    if (json) out.document(errorDoc(commandName(argv), { message, code: 'internal' }));
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
