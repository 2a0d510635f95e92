/** The real .NET SDK and EF Core tools, run as a developer would. */
import { execFile } from 'node:child_process';
import { repoRoot } from './run.js';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function exec(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<ExecResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      {
        cwd: options.cwd,
        env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1', DOTNET_ROLL_FORWARD: 'Major', ...options.env },
        timeout: options.timeoutMs ?? 600_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

export async function dotnet(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<ExecResult> {
  const result = await exec('dotnet', args, { cwd, env });
  if (result.code !== 0) throw new Error(`dotnet ${args.join(' ')} failed (${result.code}):\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** `dotnet ef ...` through the repo's tool manifest (.config/dotnet-tools.json), for a project anywhere. */
export async function dotnetEf(args: string[], projectDir: string, env: NodeJS.ProcessEnv = {}): Promise<ExecResult> {
  const result = await exec('dotnet', ['tool', 'run', 'dotnet-ef', '--', ...args, '--project', projectDir], { cwd: repoRoot, env });
  if (result.code !== 0) throw new Error(`dotnet ef ${args.join(' ')} failed (${result.code}):\n${result.stdout}\n${result.stderr}`);
  return result;
}
