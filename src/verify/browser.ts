/**
 * Chromium (or Chrome) found on the machine, driven by playwright-core, with a CDP WebAuthn virtual authenticator
 * (CTAP2, internal transport, resident keys, user verification) standing in for the user's passkey provider.
 */
import { existsSync } from 'node:fs';
import { UserError } from '../core/errors.js';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';

const CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/opt/google/chrome/chrome',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
];

export function findBrowser(explicit?: string): string {
  const wanted = explicit ?? process.env.PASSKEY_MIGRATE_BROWSER;
  if (wanted) {
    if (!existsSync(wanted)) throw new UserError(`browser not found at ${wanted}`);
    return wanted;
  }
  const found = CANDIDATES.find((c) => existsSync(c));
  if (!found) throw new UserError('no Chromium or Chrome found on this machine', { hint: 'install chromium (apt-get install chromium) or pass --browser <path>' });
  return found;
}

export interface BrowserSession {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  cdp: CDPSession;
  authenticatorId: string | null;
  addAuthenticator(): Promise<string>;
  removeAuthenticator(): Promise<void>;
  close(): Promise<void>;
}

export async function openBrowser(executablePath: string): Promise<BrowserSession> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const session: BrowserSession = {
    browser,
    context,
    page,
    cdp,
    authenticatorId: null,
    async addAuthenticator() {
      const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
        options: {
          protocol: 'ctap2',
          transport: 'internal',
          hasResidentKey: true,
          hasUserVerification: true,
          isUserVerified: true,
          automaticPresenceSimulation: true,
          defaultBackupEligibility: true,
          defaultBackupState: true,
        },
      });
      session.authenticatorId = authenticatorId;
      return authenticatorId;
    },
    async removeAuthenticator() {
      if (!session.authenticatorId) return;
      await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: session.authenticatorId });
      session.authenticatorId = null;
    },
    async close() {
      await browser.close();
    },
  };
  await session.addAuthenticator();
  return session;
}
