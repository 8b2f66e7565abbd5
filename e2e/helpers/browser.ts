/**
 * Launches the e2e browser through playwright-core. By default that is the headless
 * Chromium shipped inside the `@sparticuz/chromium` npm package (installed by `npm ci`,
 * unpacked once into node_modules/.cache); BEACON_CHROMIUM=/path picks another binary.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import sparticuz from '@sparticuz/chromium';
import { chromium, type Browser } from 'playwright-core';
import { REPO_ROOT } from './server.js';

const PACKAGE_JSON = join(REPO_ROOT, 'node_modules/@sparticuz/chromium/package.json');
const PACKAGE_VERSION = (JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version: string }).version;
const CACHE_DIR = join(REPO_ROOT, 'node_modules/.cache/beacon-chromium', PACKAGE_VERSION);

/**
 * Ours, for any Chromium: no sandbox (containers, root), no GPU, no network chatter, no updates, no first-run UI.
 * No partial raster: Chromium otherwise redraws only the changed part of a tile, and the round
 * edges beside it (avatars, status dots) came out a few levels of grey different from a whole
 * redraw, so two screenshots of the same page differed (e2e/contained-text, with the Friends
 * page's filter: the name's box was not clipping anything; the pixels that changed were the avatar's).
 */
const COMMON_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-partial-raster',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * For the packaged headless shell: the flags @sparticuz/chromium recommends, minus those
 * that switch off browser security (the suite must meet the same-origin rules a user's
 * browser applies) and the single-process mode meant for AWS Lambda (there, several
 * contexts in one browser crash it).
 */
const DROPPED = new Set([
  '--disable-web-security',
  '--allow-running-insecure-content',
  '--disable-site-isolation-trials',
  '--single-process',
  '--no-zygote',
]);
const PACKAGED_ARGS = sparticuz.args.filter((arg) => !DROPPED.has(arg));

/**
 * Unpacks the packaged Chromium into a private staging directory, then renames it into
 * place: concurrent runs never see a half-written binary, and an interrupted unpack
 * leaves nothing behind that looks finished.
 */
async function unpackPackagedChromium(): Promise<string> {
  const binary = join(CACHE_DIR, 'chromium');
  if (existsSync(join(CACHE_DIR, '.complete'))) return binary;
  mkdirSync(dirname(CACHE_DIR), { recursive: true });
  const staging = mkdtempSync(`${CACHE_DIR}.partial-`);
  const savedTmp = process.env.TMPDIR;
  try {
    // The package unpacks into os.tmpdir() (shared /tmp/chromium); point that at our staging dir.
    process.env.TMPDIR = staging;
    const unpacked = await sparticuz.executablePath();
    if (unpacked !== join(staging, 'chromium')) throw new Error(`@sparticuz/chromium unpacked to ${unpacked}, expected ${staging}`);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  } finally {
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
  }
  writeFileSync(join(staging, '.complete'), '');
  try {
    renameSync(staging, CACHE_DIR);
  } catch {
    // Another run finished first: use its copy.
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(join(CACHE_DIR, '.complete'))) throw new Error(`could not install Chromium into ${CACHE_DIR}`);
  }
  return binary;
}

/** The browser binary: BEACON_CHROMIUM when set (must exist), else the packaged one. */
export async function chromiumExecutable(): Promise<string> {
  const override = process.env.BEACON_CHROMIUM;
  if (override) {
    if (!existsSync(override)) {
      // Never skip: an e2e run without a browser must not look green.
      throw new Error(`BEACON_CHROMIUM=${override} does not exist. Unset it to use the Chromium from @sparticuz/chromium.`);
    }
    return override;
  }
  return unpackPackagedChromium();
}

export async function launchChromium(): Promise<Browser> {
  const args = process.env.BEACON_CHROMIUM ? COMMON_ARGS : [...PACKAGED_ARGS, ...COMMON_ARGS];
  return chromium.launch({ executablePath: await chromiumExecutable(), headless: true, args });
}
