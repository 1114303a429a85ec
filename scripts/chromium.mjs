#!/usr/bin/env node
// Part of `npm test` (its pre-script) and of .ci/run: makes sure the headless Chromium the visibility page's browser
// test drives (test/e2e/browser.ts) is installed. Playwright's own browser download is not used: the test drives the
// distribution's Chromium through playwright-core. Quick when it is there.
//
// Where: $LSYNC_CHROMIUM when set (any Chromium or Chrome binary, e.g. on macOS), else /usr/bin/chromium. On
// Debian or Ubuntu as root, a missing /usr/bin/chromium is installed with apt-get; anywhere else this explains what
// to install and fails, so the browser test never fails later for a missing browser.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const DEFAULT_CHROMIUM = '/usr/bin/chromium';
const configured = process.env.LSYNC_CHROMIUM;
const executable = configured || DEFAULT_CHROMIUM;

if (existsSync(executable)) process.exit(0);
if (configured) {
  console.error(`[chromium] LSYNC_CHROMIUM=${configured} does not exist; point it at a Chromium or Chrome binary.`);
  process.exit(1);
}

const run = (command, args) => spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
const hasAptGet = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

if (process.platform === 'linux' && hasAptGet && isRoot) {
  // DejaVu gives the page's text a font in a minimal image; recommended packages are left out to keep it quick.
  const install = () => run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium', 'fonts-dejavu-core']);
  console.error('[chromium] installing the Debian chromium package for the browser test (apt-get) ...');
  // A fresh image has no package lists yet: update once, then try again.
  if (!install() && !(run('apt-get', ['update']) && install())) {
    console.error('[chromium] apt-get could not install chromium; see the output above.');
    process.exit(1);
  }
  if (existsSync(DEFAULT_CHROMIUM)) process.exit(0);
  console.error(`[chromium] the chromium package did not provide ${DEFAULT_CHROMIUM}.`);
  process.exit(1);
}

console.error(
  `[chromium] the browser test needs Chromium at ${DEFAULT_CHROMIUM}. Install it (Debian/Ubuntu: \`sudo apt-get install chromium\`), ` +
    'or set LSYNC_CHROMIUM to a Chromium or Chrome binary (macOS: "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome").',
);
process.exit(1);
