/** Runs the built CLI as a user would, in a child process, and captures everything. */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export const repoRoot = path.resolve(__dirname, '../..');
/** The CLI under test: this checkout's, or another build's (PKM_CLI), e.g. to prove an attack worked before a fix. */
export const binPath = process.env.PKM_CLI ?? path.join(repoRoot, 'bin', 'passkey-migrate.js');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [binPath, ...args], {
      cwd: options.cwd ?? repoRoot,
      env: { ...process.env, NO_COLOR: '1', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** A digest of every file below dir (path, bytes and mtime), to prove a command wrote nothing. */
export function treeDigest(dir: string): string {
  const hash = createHash('sha256');
  const visit = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) visit(full);
      else {
        hash.update(path.relative(dir, full));
        hash.update(readFileSync(full));
        hash.update(String(statSync(full).mtimeMs));
      }
    }
  };
  visit(dir);
  return hash.digest('hex');
}
