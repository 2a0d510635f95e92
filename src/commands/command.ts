/**
 * What cli.ts needs to know of a command: where it sits, how commander defines it (options, help, examples), and
 * how to run it. Each command has its spec in `<name>.cli.ts`, which imports only commander and the option
 * helpers, so that `--help` and every other command start without loading it; `run` loads the command module.
 */
import type { Command } from 'commander';
import type { Output } from '../core/output.js';

export interface CommandSpec<Options = Record<string, unknown>> {
  /** the name after `passkey-migrate` (or after `passkey-migrate db`) */
  name: string;
  /** the group the command sits in */
  parent: 'db' | null;
  /**
   * Set for a command that writes: cli.ts gives it --yes, --dry-run, --check (described by this text) and
   * --allow-dirty, the same for every such command.
   */
  writes?: { check: string };
  /** its description, options and help text (the common options are added by cli.ts) */
  define(command: Command): Command;
  run(options: Options, out: Output): Promise<number>;
}
