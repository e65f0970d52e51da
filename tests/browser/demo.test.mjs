// Licensed under the Apache License, Version 2.0 (the "License"); you may
// not use this file except in compliance with the License. You may obtain a
// copy of the License at http://www.apache.org/licenses/LICENSE-2.0
//
// Browser test of the mod_redirect307 demo (`make run`, scripts/demo.py).
//
// Starts the demo on a free port of 127.0.0.1, opens its page in Debian's
// headless Chromium (/usr/bin/chromium, driven by playwright-core), submits
// the one form through each of the five routes and checks what arrived:
//   302 (mod_alias) and 303 (mod_alias)       -> GET, without the form
//   307, 308 (mod_redirect307) and the 302
//   upgraded by RedirectUpgrade On            -> POST, with the same body
// A sixth test checks that the page explains the codes and fits a phone.
// Screenshots go to tests/browser/out/ (demo.png is the page at /).
//
// Run through tests/browser/run.sh (installs node_modules first).
// Environment: R307_MODULE (abs path of mod_redirect307.so; default
// .libs/mod_redirect307.so), PYTHON (/usr/bin/python3), CHROMIUM
// (/usr/bin/chromium), R307_BROWSER_OUT (output directory), R307_DEMO_CONF
// (rules passed to demo.py --conf instead of conf/demo.conf).
// Ends with a line "N passed, M failed"; exit status 0 only if all passed.

import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = dirname(fileURLToPath(import.meta.url));
const TOP = resolve(HERE, '..', '..');
const MODULE = resolve(process.env.R307_MODULE || join(TOP, '.libs', 'mod_redirect307.so'));
const PYTHON = process.env.PYTHON || '/usr/bin/python3';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const OUT = resolve(process.env.R307_BROWSER_OUT || join(HERE, 'out'));
const DEMO_CONF = process.env.R307_DEMO_CONF ? resolve(process.env.R307_DEMO_CONF) : null;
const HOST = '127.0.0.1';
const WATCHDOG_MS = 240_000;

// Playwright creates (and removes) a fresh temporary profile for every
// launch(), so no --user-data-dir is needed (and launch() refuses one).
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-proxy-server', // a proxy from the environment must not see 127.0.0.1
];

// The five routes of conf/demo.conf: button id, status the first answer
// must have, method and body expected at /cgi-bin/landing/<route>.
const ROUTES = [
  { route: '302', status: 302, method: 'GET', what: 'mod_alias Redirect 302' },
  { route: '303', status: 303, method: 'GET', what: 'mod_alias Redirect 303' },
  { route: '307', status: 307, method: 'POST', what: 'Redirect307' },
  { route: '308', status: 308, method: 'POST', what: 'Redirect308' },
  { route: 'upgrade', status: 307, method: 'POST', what: 'Redirect 302 + RedirectUpgrade On' },
];

class Failure extends Error {}

function check(cond, msg) {
  if (!cond) throw new Failure(msg);
}

function eq(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Failure(`${what}: expected ${e}, got ${a}`);
}

function freePort() {
  return new Promise((res, rej) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, HOST, () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Resolves to the promise's value, or to null after ms; the timer is cleared
// either way so that it does not keep node alive.
function within(promise, ms) {
  let timer;
  const timeout = new Promise((r) => { timer = setTimeout(() => r(null), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ----- the demo server ------------------------------------------------------

class Demo {
  constructor(port) {
    this.port = port;
    this.base = `http://${HOST}:${port}`;
    this.output = '';
    this.exited = null;
  }

  async start(timeoutMs = 30_000) {
    const script = join(TOP, 'scripts', 'demo.py');
    const args = [script, '--port', String(this.port), '--module', MODULE];
    if (DEMO_CONF) args.push('--conf', DEMO_CONF);
    this.proc = spawn(PYTHON, args, {
      cwd: TOP,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // own process group: Ctrl-C of the test reaches us, not it
    });
    this.proc.stdout.on('data', (d) => { this.output += d; });
    this.proc.stderr.on('data', (d) => { this.output += d; });
    this.exitPromise = new Promise((res) => {
      this.proc.on('exit', (code, signal) => {
        this.exited = { code, signal };
        res(this.exited);
      });
      this.proc.on('error', (err) => {
        this.output += `\nspawn error: ${err.message}\n`;
        this.exited = { code: null, signal: null, error: err };
        res(this.exited);
      });
    });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.exited) {
        throw new Error(`demo.py exited (${JSON.stringify(this.exited)}):\n${this.output}`);
      }
      try {
        const r = await fetch(`${this.base}/`, { signal: AbortSignal.timeout(2000) });
        const text = await r.text();
        if (r.status === 200 && text.includes('id="demo-form"')) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        throw new Error(`demo did not serve ${this.base}/ within ${timeoutMs} ms:\n${this.output}`);
      }
      await sleep(200);
    }
  }

  // SIGTERM lets demo.py stop httpd and remove its ServerRoot; SIGKILL to
  // its process group only if it does not finish in time.
  async stop(timeoutMs = 20_000) {
    if (!this.proc || this.exited) return;
    try { this.proc.kill('SIGTERM'); } catch { /* gone */ }
    const done = await within(this.exitPromise, timeoutMs);
    if (!done) {
      try { process.kill(-this.proc.pid, 'SIGKILL'); } catch { /* gone */ }
      await within(this.exitPromise, 5000);
    }
  }
}

// ----- the tests --------------------------------------------------------------

async function submitThrough(browser, base, r) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const first = await page.goto(`${base}/`);
    eq(first.status(), 200, 'GET / status');

    // the same fields for every route; the note has characters that need
    // escaping, to see the body arrive byte for byte
    const fields = [
      ['name', 'Ada Lovelace'],
      ['amount', '10.00'],
      ['note', `via ${r.route}: 50% & more`],
    ];
    for (const [name, value] of fields) await page.fill(`#${name}`, value);
    const sentBody = new URLSearchParams(fields).toString();

    const landingPath = `/cgi-bin/landing/${r.route}`;
    const [landing] = await Promise.all([
      page.waitForResponse((resp) => resp.request().isNavigationRequest()
        && new URL(resp.url()).pathname === landingPath),
      page.click(`#via-${r.route}`),
    ]);
    await page.waitForLoadState('load');

    // the network: one redirect, of the expected status, from the POST
    const req = landing.request();
    const prev = req.redirectedFrom();
    check(prev, `no redirect led to ${landingPath}`);
    eq(new URL(prev.url()).pathname, `/try/${r.route}`, 'redirected request path');
    eq(prev.method(), 'POST', 'method of the form submission');
    eq(prev.postData(), sentBody, 'body of the form submission');
    check(prev.redirectedFrom() === null, 'more than one redirect');
    const redirect = await prev.response();
    eq(redirect.status(), r.status, `status answered to POST /try/${r.route} (${r.what})`);
    eq(redirect.headers().location, `${base}${landingPath}`, 'Location header');

    // the request that followed the redirect, as Chromium sent it
    eq(req.method(), r.method, 'method of the request after the redirect');
    if (r.method === 'POST') eq(req.postData(), sentBody, 'body after the redirect');
    else eq(req.postData(), null, 'body after the redirect');
    eq(landing.status(), 200, 'landing page status');

    // what the landing page says arrived
    eq(await page.getAttribute('body', 'data-route'), r.route, 'landing data-route');
    eq((await page.textContent('#method')).trim(), r.method, 'method shown by the landing page');
    const shownBody = await page.textContent('#body');
    const rows = await page.$$eval('#fields tbody tr', (trs) => trs.map(
      (tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent)));
    if (r.method === 'POST') {
      eq(shownBody, sentBody, 'raw body shown by the landing page');
      eq(rows, fields, 'form fields shown by the landing page');
      eq(await page.getAttribute('body', 'data-body-length'),
        String(Buffer.byteLength(sentBody)), 'body length shown');
    } else {
      eq(shownBody, '(empty)', 'raw body shown by the landing page');
      eq(rows, [], 'form fields shown by the landing page');
      eq(await page.getAttribute('body', 'data-body-length'), '0', 'body length shown');
    }
    await page.screenshot({ path: join(OUT, `landing-${r.route}.png`), fullPage: true });

    // the link back leads to the form again
    await Promise.all([page.waitForURL(`${base}/`), page.click('#back')]);
    check(await page.isVisible('#demo-form'), 'the link back does not show the form');
    return `${prev.method()} /try/${r.route} -> ${redirect.status()} -> ${req.method()} `
      + `${landingPath} (${r.method === 'POST' ? 'body kept' : 'body dropped'})`;
  } finally {
    await context.close();
  }
}

async function pageChecks(browser, base) {
  // the page as on a desktop: the screenshot the issue asks for
  const desk = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  try {
    const page = await desk.newPage();
    eq((await page.goto(`${base}/`)).status(), 200, 'GET / status');
    await page.screenshot({ path: join(OUT, 'demo.png'), fullPage: true });
    const css = await page.evaluate(() => getComputedStyle(document.querySelector('.btn')).borderStyle);
    eq(css, 'solid', 'demo.css applied (button border style)');
  } finally {
    await desk.close();
  }

  // and as on a phone: nothing wider than the screen, buttons easy to tap
  const phone = await browser.newContext({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
  });
  try {
    const page = await phone.newPage();
    await page.goto(`${base}/`);
    await page.screenshot({ path: join(OUT, 'demo-phone.png'), fullPage: true });
    const text = await page.textContent('table.codes');
    for (const code of ['301', '302', '303', '307', '308']) {
      check(text.includes(code), `the table of codes does not explain ${code}`);
    }
    const { scrollWidth, innerWidth } = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
    }));
    check(scrollWidth <= innerWidth,
      `page scrolls sideways on a phone: ${scrollWidth}px wide in a ${innerWidth}px screen`);
    const buttons = await page.$$('.routes button');
    eq(buttons.length, 5, 'number of route buttons');
    for (const b of buttons) {
      const box = await b.boundingBox();
      check(box && box.height >= 44 && box.width >= 200,
        `button too small to tap on a phone: ${JSON.stringify(box)}`);
    }
    const fontPx = await page.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize));
    check(fontPx >= 16, `body text is ${fontPx}px on a phone`);
    return `explains 301-308; ${innerWidth}px phone: no sideways scroll, 5 buttons >= 44px`;
  } finally {
    await phone.close();
  }
}

// ----- runner -----------------------------------------------------------------

async function main() {
  mkdirSync(OUT, { recursive: true });
  const tests = [
    ...ROUTES.map((r) => ({
      name: `form through ${r.route === 'upgrade' ? '302 + RedirectUpgrade On' : r.route}`
        + ` arrives as ${r.method}${r.method === 'POST' ? ' with the body' : ' without it'}`,
      fn: (browser, base) => submitThrough(browser, base, r),
    })),
    { name: 'page explains the codes and fits a phone', fn: pageChecks },
  ];
  let passed = 0;
  let failed = 0;
  let demo = null;
  let browser = null;

  const watchdog = setTimeout(async () => {
    console.log(`browser test: no result after ${WATCHDOG_MS / 1000} s, giving up`);
    if (demo) await demo.stop(5000);
    console.log(`${passed} passed, ${tests.length - passed} failed`);
    process.exit(1);
  }, WATCHDOG_MS);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, async () => {
      if (browser) await browser.close().catch(() => {});
      if (demo) await demo.stop(5000);
      process.exit(1);
    });
  }

  try {
    for (const [what, path] of [['module', MODULE], ['chromium', CHROMIUM], ['python', PYTHON]]) {
      if (!existsSync(path)) throw new Error(`${what} not found: ${path}`);
    }
    let t0 = Date.now();
    const secs = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
    demo = new Demo(await freePort());
    await demo.start();
    console.log(`demo: ${demo.base}/ (module ${MODULE}) up in ${secs()}`);
    t0 = Date.now();
    browser = await chromium.launch({
      executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60_000,
    });
    console.log(`chromium ${browser.version()} (${CHROMIUM}), headless, started in ${secs()}`);

    for (const t of tests) {
      const t0 = Date.now();
      const took = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
      try {
        const detail = await t.fn(browser, demo.base);
        passed += 1;
        console.log(`ok   - ${t.name}${detail ? `: ${detail}` : ''} (${took()})`);
      } catch (err) {
        failed += 1;
        console.log(`FAIL - ${t.name}: ${err instanceof Failure ? err.message : err.stack || err}`
          + ` (${took()})`);
      }
    }
  } catch (err) {
    // could not set up: every test that did not run counts as failed
    failed = tests.length - passed;
    console.log(`browser test: setup failed: ${err.stack || err}`);
  } finally {
    if (browser) await browser.close().catch(() => {});
    if (demo) {
      const t0 = Date.now();
      await demo.stop();
      console.log(`demo stopped in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      writeFileSync(join(OUT, 'demo.log'), demo.output);
    }
    clearTimeout(watchdog);
  }
  console.log(`screenshots: ${join(OUT, 'demo.png')} (and demo-phone.png, landing-*.png); demo log: ${join(OUT, 'demo.log')}`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 && passed === tests.length ? 0 : 1;
}

await main();
