/**
 * Running the .NET SDK the way a developer would: `dotnet build` (its errors as one line) and the EF Core tools
 * (`dotnet ef`, the project's local tool when its manifest has one, else a global one).
 */
import { spawn } from 'node:child_process';
import { UserError } from './errors.js';

export interface DotnetRun {
  code: number;
  output: string;
}

export function runDotnet(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<DotnetRun> {
  return new Promise((resolve) => {
    const child = spawn('dotnet', args, {
      cwd: options.cwd,
      env: { ...(options.env ?? process.env), DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const add = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.length > 400_000) output = output.slice(-200_000);
    };
    child.stdout.on('data', add);
    child.stderr.on('data', add);
    child.on('error', () => resolve({ code: -2, output: 'dotnet not found' }));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

/** The distinct error lines of a build, without the project suffix MSBuild appends. */
export function buildErrors(output: string): string[] {
  return [
    ...new Set(
      output
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => /\berror\b/i.test(l) && !/^\d+ Error\(s\)$/.test(l)),
    ),
  ].map((l) => l.replace(/\s*\[[^\]]*\.csproj\]$/, ''));
}

export function lastLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .pop()
      ?.slice(0, 300) ?? 'no output'
  );
}

/** `dotnet build` of a project; a failure is a one-line UserError with the first error. */
export async function buildProject(projectPath: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const result = await runDotnet(['build', projectPath, '-nologo', '-v', 'q', '-clp:ErrorsOnly'], { env });
  if (result.code === -2) throw new UserError('dotnet was not found on PATH', { hint: 'install the .NET 10 SDK' });
  if (result.code !== 0) {
    const errors = buildErrors(result.output);
    throw new UserError(`dotnet build failed (${errors.length || 'unknown'} error${errors.length === 1 ? '' : 's'}; first: ${errors[0] ?? lastLine(result.output)})`, {
      hint: 'run dotnet build in the project to see them all',
    });
  }
}
