/**
 * Builds the app with the .NET SDK and runs it on http://localhost:<port> (a secure context for WebAuthn;
 * 127.0.0.1 is not), in the Development environment, until stopped. The process group is killed on stop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { buildProject, lastLine } from '../core/dotnet.js';
import { UserError } from '../core/errors.js';

export interface RunningApp {
  url: string;
  port: number;
  output: () => string;
  stop: () => Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Whether something accepts connections on localhost:port (IPv4 or IPv6). */
function answers(port: number): Promise<boolean> {
  const attempt = (host: string) =>
    new Promise<boolean>((resolve) => {
      const socket = connect({ port, host });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
  return Promise.all([attempt('127.0.0.1'), attempt('::1')]).then((r) => r.some(Boolean));
}

function collect(child: ChildProcess): () => string {
  let text = '';
  const add = (chunk: Buffer) => {
    text += chunk.toString('utf8');
    if (text.length > 200_000) text = text.slice(-100_000);
  };
  child.stdout?.on('data', add);
  child.stderr?.on('data', add);
  return () => text;
}

/** Apps started and not yet stopped: a signal may arrive while one is still starting. */
const started = new Set<() => Promise<void>>();

/** Stops every app this process started (their whole process groups), also those still starting. */
export async function stopStartedApps(): Promise<void> {
  await Promise.all([...started].map((stop) => stop()));
}

/** `dotnet build`, its failure as one line (the shared SDK runner). */
export const buildApp = buildProject;

export async function startApp(projectPath: string, options: { port?: number; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<RunningApp> {
  const port = options.port ?? (await freePort());
  const url = `http://localhost:${port}`;
  const child = spawn('dotnet', ['run', '--no-build', '--no-launch-profile', '--project', projectPath, '--urls', url], {
    env: {
      ...(options.env ?? process.env),
      ASPNETCORE_ENVIRONMENT: options.env?.ASPNETCORE_ENVIRONMENT ?? 'Development',
      DOTNET_CLI_TELEMETRY_OPTOUT: '1',
      DOTNET_NOLOGO: '1',
      Logging__LogLevel__Default: 'Warning',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const output = collect(child);
  let exited: number | null = null;
  child.on('exit', (code) => (exited = code ?? 1));
  const stop = async () => {
    started.delete(stop);
    if (exited !== null) return;
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      return;
    }
    const done = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    }, 5000);
    await done;
    clearTimeout(timer);
    // `dotnet run` may exit before the app it started has closed its port: wait for that too (then kill the group).
    for (let i = 0; i < 50 && (await answers(port)); i++) await new Promise((r) => setTimeout(r, 100));
    if (await answers(port)) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    }
  };
  started.add(stop);
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (exited !== null)
      throw new UserError(`the app exited (code ${exited}) before it answered on ${url}: ${lastLine(output())}`, { hint: 'run dotnet run in the project to see why' });
    try {
      const response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(2000) });
      if (response.status < 500) return { url, port, output, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new UserError(`the app did not answer on ${url} within ${Math.round((options.timeoutMs ?? 60_000) / 1000)} s (last output: ${lastLine(output())})`, {
    hint: 'run dotnet run in the project to see why',
  });
}
