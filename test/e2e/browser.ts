/**
 * The headless Chromium the browser tests drive: the distribution's package (/usr/bin/chromium, installed by
 * scripts/chromium.mjs before `npm test`; LSYNC_CHROMIUM points elsewhere), driven by playwright-core, each run
 * with a fresh profile. Screenshots go to `.test-artifacts/` (git-ignored), one file per view.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { PROJECT_ROOT } from '../../sandbox/python-env';

export const CHROMIUM = process.env.LSYNC_CHROMIUM || '/usr/bin/chromium';

/** Flags for a quiet, reproducible headless run in a container: no sandbox (root), no GPU, no background traffic. */
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface Browser {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Errors the page threw or logged, for assertions. */
  readonly problems: string[];
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(path.join(tmpdir(), 'lsync-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    locale: 'en-US',
    timezoneId: 'UTC',
    viewport: { width: 1440, height: 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  return {
    context,
    page,
    problems,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Saves a full-page screenshot as `.test-artifacts/<folder>/<name>.png` and returns its path. */
export async function screenshot(page: Page, folder: string, name: string): Promise<string> {
  const dir = path.join(PROJECT_ROOT, '.test-artifacts', folder);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
