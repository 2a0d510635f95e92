/**
 * The provider names of new passkeys, computed by our generated C# (PasskeyProviders in PasskeyAccount.cs) built
 * and run by the real SDK: attestation objects in CBOR ("none" and "packed" with a certificate chain before the
 * authenticator data), known, unknown and all-zero AAGUIDs, no attested credential data, and garbage. The reader
 * is bounded: nesting 60,000 deep, an oversized object, trailing bytes and an indefinite-length map are refused
 * (false), never a crash.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { exec } from '../helpers/dotnet.js';
import { repoRoot } from '../helpers/run.js';
import { nestedArrays } from '../helpers/webauthn.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'pkm-providers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A minimal CBOR writer for the test inputs (definite lengths only, as authenticators write them).
const head = (major: number, n: number): number[] =>
  n < 24
    ? [(major << 5) | n]
    : n < 256
      ? [(major << 5) | 24, n]
      : n < 65536
        ? [(major << 5) | 25, n >> 8, n & 255]
        : [(major << 5) | 26, (n >>> 24) & 255, (n >> 16) & 255, (n >> 8) & 255, n & 255];
const text = (s: string) => [...head(3, Buffer.byteLength(s)), ...Buffer.from(s)];
const bytes = (b: number[]) => [...head(2, b.length), ...b];
const map = (entries: number[][]) => [...head(5, entries.length / 2), ...entries.flat()];
const negative = (n: number) => head(1, -1 - n);

function authData(aaguid: string, attested = true): number[] {
  const id = Array.from({ length: 16 }, (_, i) => i + 1);
  return [
    ...Array(32).fill(7), // rpIdHash
    attested ? 0x45 : 0x05, // UP | UV | (AT)
    0,
    0,
    0,
    1, // signCount
    ...(attested ? [...Buffer.from(aaguid.replace(/-/g, ''), 'hex'), 0, id.length, ...id, 0xa1, 0x01, 0x02] : []),
  ];
}

const none = (data: number[]) => map([text('fmt'), text('none'), text('attStmt'), map([]), text('authData'), bytes(data)]);
const packed = (data: number[]) =>
  map([
    text('fmt'),
    text('packed'),
    text('attStmt'),
    map([text('alg'), negative(-7), text('sig'), bytes(Array(71).fill(9)), text('x5c'), [...head(4, 1), ...bytes(Array(300).fill(3))]]),
    text('authData'),
    bytes(data),
  ]);
const hex = (b: number[]) => Buffer.from(b).toString('hex');

it('names passkeys from known AAGUIDs and nothing else', async () => {
  mkdirSync(path.join(dir, 'Passkeys'));
  writeFileSync(
    path.join(dir, 'Providers.csproj'),
    `<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><Nullable>enable</Nullable><ImplicitUsings>enable</ImplicitUsings><TreatWarningsAsErrors>true</TreatWarningsAsErrors></PropertyGroup>
  <ItemGroup><FrameworkReference Include="Microsoft.AspNetCore.App" /></ItemGroup>
</Project>
`,
  );
  // PasskeyAccount registers the enrollment prompt, so that file comes too.
  const values: Record<string, string> = { Namespace: 'ProviderCheck', PromptPath: '/Prompt', PasskeysPath: '/Passkeys', PromptOn: 'true' };
  for (const name of ['PasskeyAccount', 'PasskeyInputModel', 'PasskeyPrompt']) {
    const template = readFileSync(path.join(repoRoot, 'templates', 'ui', 'common', `${name}.cs.tmpl`), 'utf8');
    writeFileSync(
      path.join(dir, 'Passkeys', `${name}.cs`),
      template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => values[key] ?? `{{${key}}}`),
    );
  }
  writeFileSync(
    path.join(dir, 'Program.cs'),
    'foreach (var arg in args) Console.WriteLine(ProviderCheck.Passkeys.PasskeyProviders.TryReadAaguid(Convert.FromHexString(arg), out var aaguid) ? ProviderCheck.Passkeys.PasskeyProviders.NameFor(aaguid) ?? "(none)" : "(refused)");\n',
  );
  const inputs = [
    none(authData('ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4')),
    packed(authData('fbfc3007-154e-4ecc-8c0b-6e020557d7bd')),
    none(authData('00000000-0000-0000-0000-000000000000')),
    none(authData('12345678-1234-1234-1234-123456789abc')),
    none(authData('ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4', false)),
    none(authData('bada5566-a7aa-401f-bd96-45619a55120d')).slice(0, 40),
    [0xff, 0x00, 0x13],
    // attStmt nested 60,000 deep (within the size bound), then oversized, trailing bytes, an indefinite-length map
    map([text('fmt'), text('none'), text('attStmt'), [...nestedArrays(60_000)], text('authData'), bytes(authData('ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4'))]),
    map([text('fmt'), text('none'), text('attStmt'), bytes(Array(70_000).fill(1)), text('authData'), bytes(authData('ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4'))]),
    [...none(authData('ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4')), 0x00],
    [0xbf, ...none(authData('ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4')).slice(1), 0xff],
  ];
  // Through a file: the inputs are too long for one command line.
  writeFileSync(path.join(dir, 'inputs.txt'), inputs.map(hex).join('\n'));
  writeFileSync(
    path.join(dir, 'Program.cs'),
    readFileSync(path.join(dir, 'Program.cs'), 'utf8').replace('foreach (var arg in args)', 'foreach (var arg in File.ReadAllLines(args[0]))'),
  );
  const run = await exec('dotnet', ['run', '--project', dir, '--', path.join(dir, 'inputs.txt')], { cwd: dir, env: { DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' } });
  expect(run.code, run.stdout + run.stderr).toBe(0);
  expect(run.stdout.trim().split(/\r?\n/)).toEqual([
    'Google Password Manager',
    'iCloud Keychain',
    '(none)',
    '(none)',
    '(none)',
    '(refused)',
    '(refused)',
    '(refused)',
    '(refused)',
    '(refused)',
    '(refused)',
  ]);
}, 180_000);
