/**
 * The untouched app, asked of the real tools before passkey-migrate changes anything: does it build, and does EF
 * Core agree with its migrations (`dotnet ef migrations has-pending-model-changes`)? A failure found here is the
 * app's own, not ours; `add --require-clean-build` stops on it.
 */
import path from 'node:path';
import { buildErrors, lastLine, runDotnet } from '../../core/dotnet.js';
import type { ProjectFacts } from './index.js';

export interface AppHealth {
  build: { ok: boolean; errors: number; first: string | null };
  /** null when not checked (the build failed, no migrations, or no dotnet-ef to ask) */
  efModel: { pendingChanges: boolean; output: string } | { checked: false; reason: string };
}

export async function checkAppHealth(facts: ProjectFacts): Promise<AppHealth> {
  const built = await runDotnet(['build', facts.msbuild.path, '-nologo', '-v', 'q', '-clp:ErrorsOnly'], { cwd: facts.msbuild.dir });
  const errors = built.code === 0 ? [] : buildErrors(built.output);
  const build = { ok: built.code === 0, errors: errors.length, first: built.code === 0 ? null : (errors[0] ?? lastLine(built.output)) };
  if (!build.ok) return { build, efModel: { checked: false, reason: 'the app does not build' } };
  if (!facts.migrations) return { build, efModel: { checked: false, reason: 'the app has no EF Core migrations' } };
  const migrationsProject = [facts.msbuild, ...facts.references].find((p) => p.dir === facts.migrations!.projectDir)?.path ?? facts.msbuild.path;
  const args = ['ef', 'migrations', 'has-pending-model-changes', '--no-build', '--project', migrationsProject, '--startup-project', facts.msbuild.path];
  let ef = await runDotnet(args, { cwd: facts.msbuild.dir });
  // The app's own runtime (say .NET 8) is not installed: EF's tools run it on the newest one there is.
  if (/install missing framework|You must install or update \.NET to run this application/i.test(ef.output)) {
    ef = await runDotnet(args, { cwd: facts.msbuild.dir, env: { ...process.env, DOTNET_ROLL_FORWARD: 'Major' } });
  }
  if (/could not execute because the specified command or file was not found|No executable found matching command "dotnet-ef"|dotnet-ef does not exist/i.test(ef.output)) {
    return { build, efModel: { checked: false, reason: 'dotnet-ef is not installed (dotnet tool install --global dotnet-ef)' } };
  }
  if (/No changes have been made to the model since the last migration/.test(ef.output)) return { build, efModel: { pendingChanges: false, output: lastLine(ef.output) } };
  if (/Changes have been made to the model since the last migration/.test(ef.output)) return { build, efModel: { pendingChanges: true, output: lastLine(ef.output) } };
  return { build, efModel: { checked: false, reason: `dotnet ef could not tell: ${lastLine(ef.output)} (${path.basename(migrationsProject)})` } };
}
