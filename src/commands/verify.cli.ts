/** `passkey-migrate verify`: its options and help; the command itself loads only when it runs. */
import { Option } from 'commander';
import type { CommandSpec } from './command.js';
import { wholeNumber } from './options.js';
import type { VerifyOptions } from './verify.js';

export const verifyCommand: CommandSpec<VerifyOptions> = {
  name: 'verify',
  parent: null,
  define: (command) =>
    command
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
      .addHelpText(
        'after',
        `
Examples:
  $ passkey-migrate verify                                  build, run, register, add a passkey, sign in with it
  $ passkey-migrate verify --environment Staging --capture shots
  $ passkey-migrate verify --register-field DisplayName="Ada Lovelace"`,
      ),
  run: async (options, out) => (await import('./verify.js')).verify(options, out),
};
