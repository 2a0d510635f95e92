/**
 * The options commands share, each declared once with its validation: numbers are whole and within bounds,
 * names come from a fixed list, versions look like versions, and flags that contradict each other are refused
 * by commander before any work (one line, exit 1).
 */
import { InvalidArgumentError, Option } from 'commander';
import { allEngineTypes } from '../db/registry.js';

export function wholeNumber(what: string, min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`expected ${what}: a whole number from ${min} to ${max}`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`expected ${what} from ${min} to ${max}`);
    return n;
  };
}

export const MAX_TIMEOUT_MS = 3_600_000;

export const lockTimeoutOption = () =>
  new Option('--lock-timeout <ms>', "bound on waiting for EF's migration lock, and for any other lock").argParser(wholeNumber('milliseconds', 1, MAX_TIMEOUT_MS)).default(30_000);

export const connectTimeoutOption = () =>
  new Option('--connect-timeout <ms>', 'bound on connecting to the database').argParser(wholeNumber('milliseconds', 1, MAX_TIMEOUT_MS)).default(5000);

/** Microsoft.AspNetCore.* 10.x: 10.0.15, 10.1.0, 10.0.0-rc.2.25502.107 */
export function aspnetVersion(value: string): string {
  if (!/^10\.\d+\.\d+(-[0-9A-Za-z][0-9A-Za-z.-]*)?$/.test(value.trim())) {
    throw new InvalidArgumentError('expected a .NET 10 package version such as 10.0.15');
  }
  return value.trim();
}

export const aspnetVersionOption = () =>
  new Option('--aspnet-version <version>', 'pin Microsoft.AspNetCore.* and Microsoft.EntityFrameworkCore.* to this 10.x version (checked against the NuGet sources)').argParser(
    aspnetVersion,
  );

/** --no-prompt: the enrollment prompt is generated off (Passkeys:Prompt=true turns it on again). */
export const noPromptOption = () => new Option('--no-prompt', 'generate the invitation to add a passkey after a password sign-in turned off (Passkeys:Prompt=true turns it on)');

export const switchMysqlProviderOption = () =>
  new Option(
    '--switch-mysql-provider',
    "MySQL/MariaDB on Pomelo (no EF Core 10 release): move to Oracle's MySql.EntityFrameworkCore, checked by EF Core before anything is written (docs/mysql.md)",
  ).conflicts(['skipRetarget']);

export const uiOption = () => new Option('--ui <kind>', 'razor (Identity Razor Pages) or mvc (account controller); default: from the app').choices(['razor', 'mvc']);
export const manageUiOption = () =>
  new Option('--manage-ui <kind>', 'where passkeys are managed: razor (Identity account pages) or mvc (ManageController); default: where the account menu links').choices([
    'razor',
    'mvc',
  ]);

export const onConflictOption = () =>
  new Option('--on-conflict <choice>', 'when a file we create already exists: skip, overwrite or keep-both').choices(['skip', 'overwrite', 'keep-both']);

export const providerOption = () => new Option('--provider <name>', 'the EF provider, when the project does not say').choices(allEngineTypes().map((e) => e.provider));

/** --yes, --dry-run and --check: at most one of them. */
export const yesOption = () => new Option('-y, --yes', 'apply without asking (required when stdin is not a terminal or CI is set)').conflicts(['dryRun', 'check']);
export const dryRunOption = () => new Option('--dry-run', 'print the plan with unified diffs; change nothing').conflicts(['check']);
export const checkOption = (what = 'exit 0 when done, 2 when anything is pending') => new Option('--check', `change nothing: ${what}`);
