// The dashboard in a real browser (Debian's chromium, headless, driven by
// playwright-core) against a running tetherd with simulated devices; run
// by ui_test.cpp, which starts them and passes:
//   TETHER_URL          http://127.0.0.1:PORT
//   TETHER_KEY          the admin key
//   TETHER_TERMINAL     a connected terminal with region GG1
//   TETHER_CONNECTIONS  how many devices are connected
//   TETHER_CLASS        a GE class the control holds (GET /v1/admin/classes)
//   TETHER_CLASS_MEMBER one of its terminals
//   TETHER_CLASS_MEMBERS how many terminals it has
//   SCREENSHOTS         directory for the pages' screenshots
//   CHROMIUM            the browser (default /usr/bin/chromium)
// Exits 0 when every check holds, else 1 naming the failed one. The page
// follows GET /v1/admin/events: a job pushed after the jobs page loaded
// shows up, done, without a reload; the node form changes a node's
// capacity and weight.
'use strict';
const { chromium } = require('playwright-core');
const path = require('path');

const env = (name, fallback) => {
  const v = process.env[name] || fallback;
  if (v === undefined) throw new Error(`${name} is not set`);
  return v;
};
const url = env('TETHER_URL');
const key = env('TETHER_KEY');
const terminal = env('TETHER_TERMINAL');
const connections = env('TETHER_CONNECTIONS');
const shots = env('SCREENSHOTS');
const geClass = env('TETHER_CLASS');
const classMember = env('TETHER_CLASS_MEMBER');
const classMembers = env('TETHER_CLASS_MEMBERS');
const TIMEOUT = 15000;

function check(cond, what) {
  if (!cond) throw new Error('check failed: ' + what);
  console.log('ok: ' + what);
}

async function shot(page, name, fullPage = true) {
  await page.screenshot({ path: path.join(shots, name + '.png'), fullPage });
}

/// Polls (from here: the page's CSP forbids evaluating strings) until
/// `pred(textContent of selector)` holds.
async function waitText(page, selector, pred, what) {
  const deadline = Date.now() + TIMEOUT;
  let last = null;
  while (Date.now() < deadline) {
    const loc = page.locator(selector);
    last = (await loc.count()) > 0 ? await loc.first().textContent() : null;
    if (last !== null && pred(last)) {
      check(true, what);
      return last;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`check failed: ${what} (${selector}: ${JSON.stringify(last)})`);
}

async function confirm(page) {
  await page.locator('#modal-ok').click({ timeout: TIMEOUT });
}

async function login(page) {
  await page.goto(url + '/ui/');
  await page.locator('#key').waitFor({ timeout: TIMEOUT });
  await shot(page, 'login');
  await page.fill('#key', 'tk_not_a_key');
  await page.click('#login-form button');
  const err = page.locator('#error');
  await err.waitFor({ state: 'visible', timeout: TIMEOUT });
  const text = await err.textContent();
  check(/^HTTP 401 unauthorized: \S/.test(text), `a wrong key shows the API's error ("${text}")`);
  await page.fill('#key', key);
  await page.click('#login-form button');
  await page.locator('#total-connections').waitFor({ timeout: TIMEOUT });
  await waitText(page, '#live', (t) => t === '● live', 'the page follows the event stream (GET /v1/admin/events)');
}

/// The API from here (not from the page), with the operator's key.
async function apiCall(method, target, body) {
  const resp = await fetch(url + target, {
    method,
    headers: { Authorization: 'Bearer ' + key, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: resp.status, body: await resp.json() };
}

/// The node form: a refused value shows the API's words; an accepted one
/// shows the answer and the node's row.
async function nodeForm(page) {
  await page.locator('#node-target').waitFor({ timeout: TIMEOUT });
  await page.selectOption('#node-target', 'C1-n1');
  await page.fill('#node-capacity', '0');
  await page.click('#node-save');
  await confirm(page);
  const err = page.locator('#error');
  await err.waitFor({ state: 'visible', timeout: TIMEOUT });
  const text = await err.textContent();
  check(/^HTTP 400 bad_request: .*capacity/.test(text), `a refused capacity shows the API's words ("${text}")`);
  await page.fill('#node-capacity', '2');
  await page.fill('#node-weight', '4');
  await page.click('#node-save');
  await confirm(page);
  await waitText(page, '#node-result', (t) => t === 'node C1-n1: capacity 2, weight 4 (draining)',
    'the node form shows the answer');
  await waitText(page, '[data-node-weight="C1-n1"]', (t) => t === '4', 'the node row shows the new weight');
  await waitText(page, '[data-node-capacity="C1-n1"]', (t) => t === '2', 'the node row shows the new capacity');
  check(await page.locator('#error').isHidden(), 'no error after the accepted change');
}

async function overview(page) {
  await waitText(page, '#total-connections', (t) => t === connections,
    `the overview shows ${connections} live connections`);
  // A few samples for the chart (it polls every 2 s).
  await waitText(page, '#chart-samples', (t) => Number(t) >= 4, 'the chart has 4 samples');
  await page.click('[data-action="node-C1-n1"]');
  await shot(page, 'confirm', false); // the dialog covers the viewport
  await confirm(page);
  await waitText(page, '[data-node-state="C1-n1"]', (t) => t === 'draining',
    'draining node C1-n1 shows its state as draining');
  await nodeForm(page);
  await shot(page, 'overview');
}

/// A job pushed after the jobs page loaded shows up there, done, from the
/// event stream (its row is marked as drawn by an event), without a reload.
async function liveJob(page) {
  await page.goto(url + '/ui/#jobs');
  await page.locator('tbody tr.link').first().waitFor({ timeout: TIMEOUT });
  await waitText(page, '#live', (t) => t === '● live', 'the jobs page follows the event stream');
  const statuses = await page.locator('#job-status option').evaluateAll((os) => os.map((o) => o.value));
  check(statuses.includes('canceled') && !statuses.includes('cancelled'),
    `the status filter offers canceled, the API's word (${statuses.join(', ')})`);
  const r = await apiCall('POST', `/v1/terminals/${encodeURIComponent(terminal)}/jobs`,
    { service: 'print', payload: { text: 'live' } });
  check(r.status === 202, `a job pushed from the test (${r.status})`);
  const id = r.body.job_id;
  await waitText(page, `[data-job-status="${id}"]`, (t) => t === 'done',
    `job ${id}, pushed after the page loaded, shows as done without a reload`);
  const by = await page.locator(`[data-job-status="${id}"]`).getAttribute('data-by');
  check(by === 'event', `its row was drawn by an event (data-by=${by})`);
}

async function terminalPage(page) {
  await page.goto(url + '/ui/#terminals');
  await page.fill('#prefix', terminal.slice(0, 4));
  await page.click('form.row button[type=submit]');
  const row = page.locator(`#terminal-results tr[data-id="${terminal}"]`);
  await row.waitFor({ timeout: TIMEOUT });
  await shot(page, 'terminals');
  await row.click();
  const region = page.locator('[data-label-item="region"]');
  await region.waitFor({ timeout: TIMEOUT });
  const value = await region.textContent();
  check(value === 'GG1', `terminal ${terminal} shows its label region=${value}`);
  await page.click('#push-test');
  await confirm(page);
  await waitText(page, '#pushed', (t) => /^pushed J/.test(t), 'a test job pushed from the terminal page');
  await page.reload();
  await page.locator('[data-label-item="region"]').waitFor({ timeout: TIMEOUT });
  for (const event of ['register', 'connect', 'job_pushed']) {
    const n = await page.locator(`#history [data-event="${event}"]`).count();
    check(n > 0, `the terminal page's history shows a ${event} record (${n})`);
  }
  const services = await page.locator('#services [data-service]').allTextContents();
  check(services.includes('print'), `the terminal page shows its services (${services.join(', ')})`);
  const servicesText = await page.locator('#services').textContent();
  check(!/s[0-9a-f]{32}/.test(servicesText), 'no connection id is shown with the services');
  const own = await page.locator('#quality-classes [data-class-of="disconnect"]').textContent();
  check(own === 'none', `a terminal in no class shows none (${own})`);
  await shot(page, 'terminal');
  await page.goto(url + '/ui/#terminal/' + encodeURIComponent(classMember));
  await waitText(page, '#quality-classes [data-class-of="disconnect"]', (t) => t === geClass,
    `terminal ${classMember} shows its GE class ${geClass}`);
}

async function classesPage(page, other) {
  await page.goto(url + '/ui/#classes');
  await waitText(page, `[data-members="${geClass}"]`, (t) => t === classMembers,
    `the classes page lists ${geClass} with ${classMembers} members`);
  const link = page.locator(`tr[data-id="${geClass}"] a[href="#terminal/${classMember}"]`);
  check((await link.count()) === 1, `the class lists its member ${classMember}`);
  // The first 3 members, then "more" reads the next page of the class.
  const more = page.locator(`[data-more="${geClass}"]`);
  await waitText(page, `[data-more="${geClass}"]`, (t) => t === `${classMembers - 3} more…`,
    'the class offers its other members');
  await shot(page, 'classes');
  await more.click();
  await waitText(page, `[data-member-ids="${geClass}"]`, (t) => t.trim().split(/\s+/).length === Number(classMembers),
    `"more" shows all ${classMembers} members`);
  check(await more.isHidden(), 'no "more" once every member is shown');
  // Cancelled: nothing happens.
  await page.click(`[data-clear="${geClass}"]`);
  await page.locator('#modal-cancel').click({ timeout: TIMEOUT });
  await page.goto(url + '/ui/#overview');
  await page.goto(url + '/ui/#classes');
  await waitText(page, `[data-members="${geClass}"]`, (t) => t === classMembers,
    'a cancelled clear leaves the class');
  // A second operator's page shows the class too; cleared on the first,
  // the second's clear is refused in the API's words.
  await other.goto(url + '/ui/');
  await other.fill('#key', key);
  await other.click('#login-form button');
  await other.locator('#total-connections').waitFor({ timeout: TIMEOUT });
  await other.goto(url + '/ui/#classes');
  await other.locator(`[data-clear="${geClass}"]`).waitFor({ timeout: TIMEOUT });
  await page.click(`[data-clear="${geClass}"]`);
  await confirm(page);
  await waitText(page, '#class-result', (t) => t === `class ${geClass} cleared (${classMembers} terminals)`,
    'a confirmed clear shows the answer');
  check((await page.locator(`tr[data-id="${geClass}"]`).count()) === 0, 'the cleared class is gone from the list');
  await other.click(`[data-clear="${geClass}"]`);
  await confirm(other);
  const err = other.locator('#error');
  await err.waitFor({ state: 'visible', timeout: TIMEOUT });
  const text = await err.textContent();
  check(text === `HTTP 404 not_found: no class "${geClass}"`, `a stale clear shows the API's words ("${text}")`);
}

async function jobsAndActions(page) {
  await page.goto(url + '/ui/#jobs');
  const first = page.locator('tbody tr.link').first();
  await first.waitFor({ timeout: TIMEOUT });
  await shot(page, 'jobs');
  await first.click();
  await page.locator('.timeline').waitFor({ timeout: TIMEOUT });
  await shot(page, 'job');
  await page.goto(url + '/ui/#actions');
  await page.locator('#realloc').waitFor({ timeout: TIMEOUT });
  await page.selectOption('#realloc-scope', 'cluster');
  await page.fill('#realloc-arg', 'no-such-cluster');
  await page.click('#realloc');
  await confirm(page);
  const err = page.locator('#error');
  await err.waitFor({ state: 'visible', timeout: TIMEOUT });
  const text = await err.textContent();
  check(/^HTTP 4\d\d \w+: \S/.test(text), `a refused action shows the API's words ("${text}")`);
  await page.fill('#realloc-arg', 'C1');
  await page.click('#realloc');
  await confirm(page);
  await page.locator('#realloc-result dl').waitFor({ timeout: TIMEOUT });
  const result = await page.locator('#realloc-result').textContent();
  check(/candidates/.test(result), `re-allocation shows its counts (${result})`);
  await shot(page, 'actions');
}

(async () => {
  const browser = await chromium.launch({
    executablePath: env('CHROMIUM', '/usr/bin/chromium'),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu'],
  });
  let failed = false;
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    page.on('pageerror', (e) => { console.log('page error: ' + e.message); failed = true; });
    await login(page);
    await overview(page);
    await terminalPage(page);
    const other = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    other.on('pageerror', (e) => { console.log('page error: ' + e.message); failed = true; });
    await classesPage(page, other);
    await liveJob(page);
    await jobsAndActions(page);
    check(!failed, 'no script errors on the pages');
  } catch (e) {
    console.log(e.stack || String(e));
    failed = true;
  } finally {
    await browser.close();
  }
  process.exit(failed ? 1 : 0);
})();
