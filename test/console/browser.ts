/**
 * Headless Chromium for the console's browser tests and its render benchmark: Debian's chromium driven
 * by playwright-core, with a fresh profile each launch and nothing that reaches the network by itself.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../support/tools.js';

export interface ConsoleBrowser {
  context: BrowserContext;
  page: Page;
  /** Errors the page threw or logged; a test fails on any. */
  errors: string[];
  close(): Promise<void>;
}

export async function openBrowser(viewport = { width: 1400, height: 1000 }): Promise<ConsoleBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'sy-chromium-'));
  // A persistent context is how playwright takes a --user-data-dir of our choosing.
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS], viewport });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  return {
    context,
    page,
    errors,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Opens the console and logs in with the client token, as a user would. */
export async function logIn(page: Page, baseUrl: string, token: string): Promise<void> {
  await page.goto(`${baseUrl}/_public/console/`);
  await page.fill('input[name=token]', token);
  await page.click('form[data-form=login] button[type=submit]');
  await page.waitForSelector('#nav:not([hidden])');
}
