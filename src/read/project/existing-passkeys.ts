/**
 * Passkey or WebAuthn support the app already has, which a second passkey sign-in would duplicate: a WebAuthn
 * library (Fido2NetLib, passwordless.dev, ...), Identity's passkey APIs already called by the app's own code, an
 * entity for stored credentials in the DbContext, or `navigator.credentials` in its scripts. What passkey-migrate
 * generated itself (the "Added by passkey-migrate" files) and the <passkey-submit> element of Microsoft's guide
 * (which add takes over) do not count.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { readText } from '../text.js';
import type { MsbuildProject } from './msbuild.js';
import type { SourceFile } from './sources.js';

export interface ExistingPasskeySupport {
  what: string;
  file: string;
  line: number | null;
}

const LIBRARIES =
  /^(Fido2|Fido2\.AspNet|Fido2\.Models|Fido2\.Ctap2|Fido2NetLib.*|Passwordless|Passwordless\.AspNetCore|WebAuthn\.Net.*|Rsk\.AspNetCore\.Fido|Yubico\.YubiKey|FidoNet.*)$/i;
const IDENTITY_APIS =
  /\b(MakePasskeyCreationOptionsAsync|MakePasskeyRequestOptionsAsync|PerformPasskeyAttestationAsync|PerformPasskeyAssertionAsync|PasskeySignInAsync|AddOrUpdatePasskeyAsync|IFido2|Fido2Configuration|AddFido2)\b/;
const OURS = /Added by passkey-migrate/;

function lineAt(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

function scripts(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'lib' && entry.name !== 'node_modules') scripts(full, out);
    } else if (/\.(m?js|ts)$/.test(entry.name) && !/\.min\.js$/.test(entry.name)) out.push(full);
  }
  return out;
}

export function findExistingPasskeySupport(projects: MsbuildProject[], sources: SourceFile[], dbContextFile: string | null, webDir: string): ExistingPasskeySupport[] {
  const found: ExistingPasskeySupport[] = [];
  for (const project of projects) {
    for (const p of project.packages) {
      if (LIBRARIES.test(p.id)) found.push({ what: `the package ${p.id}${p.version ? ` ${p.version}` : ''}`, file: p.file, line: null });
    }
  }
  for (const source of sources) {
    if (OURS.test(source.text.slice(0, 400))) continue;
    const api = IDENTITY_APIS.exec(source.text);
    if (api) found.push({ what: `${api[1]} used in the app's own code`, file: source.path, line: lineAt(source.text, api.index) });
    if (source.path === dbContextFile) {
      const entity = /\bDbSet\s*<\s*([\w.]*(?:Passkey|WebAuthn|Fido|StoredCredential|PublicKeyCredential)\w*)\s*>/i.exec(source.text);
      if (entity && !/IdentityUserPasskey/.test(entity[1]!))
        found.push({ what: `a DbSet<${entity[1]}> for stored credentials`, file: source.path, line: lineAt(source.text, entity.index) });
    }
  }
  for (const file of scripts(path.join(webDir, 'wwwroot'))) {
    const text = readText(file);
    if (OURS.test(text.slice(0, 400)) || /customElements\.define\(\s*['"`]passkey-submit['"`]/.test(text)) continue;
    const call = /navigator\.credentials\.(create|get)\s*\(/.exec(text);
    if (call) found.push({ what: `navigator.credentials.${call[1]}() in the app's script`, file, line: lineAt(text, call.index) });
  }
  return found;
}
