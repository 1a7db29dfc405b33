// Stage: scripts. The opt-in browser test of the space-time diagram (`npm run test:browser`): writes the
// pages of a small faulty run and of a counterexample with `ent run --viz` and `ent check --viz`, opens
// each in headless Chromium (Debian's `chromium`, or ENT_CHROMIUM) through playwright-core, and checks
// that it renders with no console error, that clicking an event shows its rule, that the cursor steps
// forward and back, and that the counterexample opens at its violation. It saves screenshots into
// docs/images/ (docs/tutorial.md shows them). Exit 0 when every check holds.

import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryIo } from '../cli/io.ts';
import { main } from '../cli/main.ts';

const executablePath = process.env.ENT_CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(executablePath)) {
  console.error(`no Chromium at ${executablePath}: apt-get install chromium, or set ENT_CHROMIUM to a Chromium executable`);
  process.exit(2);
}
const { chromium } = await import('playwright-core');

let failures = 0;
function check(condition: boolean, what: string): void {
  console.log(`${condition ? 'ok' : 'not ok'} - ${what}`);
  if (!condition) failures++;
}

async function ent(args: string[]): Promise<number> {
  const io = memoryIo();
  const status = await main(args, io);
  if (status === 2) console.error(io.stderr.join('\n'));
  return status;
}

const folder = mkdtempSync(join(tmpdir(), 'ent-browser-'));
const runPage = join(folder, 'faults.html');
const plainPage = join(folder, 'transfer.html');
const checkPage = join(folder, 'counterexample.html');
check(await ent(['run', 'examples/transfer.ent', '--nodes', '2', '--faults', 'none', '--viz', plainPage]) === 0, 'ent run --viz wrote the page of a run without faults');
check(await ent(['run', 'examples/transfer.ent', '--nodes', '2', '--seed', '7', '--faults', 'drop=0.05,dup=0.05,delay=0.05,crash=0.01', '--viz', runPage]) === 0, 'ent run --viz wrote its page');
check(await ent(['check', 'examples/bank.ent', '--bug', 'no-dedup-table', '--viz', checkPage]) === 1, 'ent check --viz wrote the counterexample\'s page');
mkdirSync('docs/images', { recursive: true });

const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.goto(`file://${runPage}`);
  await page.waitForSelector('svg.ent-viz');
  check(errors.length === 0, `the page renders with no console error${errors.length === 0 ? '' : `: ${errors.join('; ')}`}`);
  check(await page.locator('svg.ent-viz g.ev').count() > 10, 'the first window draws its events');
  // Clicking an event shows its rule: the first commit on screen.
  const commit = page.locator('svg.ent-viz g.ev.commit').first();
  await commit.click();
  check((await page.locator('#event .rule').textContent()) === 'C-Commit', 'clicking a commit shows its rule, C-Commit');
  const row = Number(await page.locator('#goto').inputValue());
  await page.locator('#forward').click();
  check(Number(await page.locator('#goto').inputValue()) === row + 1, 'the cursor steps forward');
  await page.locator('#back').click();
  check(Number(await page.locator('#goto').inputValue()) === row, 'and back');
  await page.locator('#goto').fill('150');
  await page.locator('#goto').dispatchEvent('change');
  check((await page.locator('#event').textContent())?.includes('row150') === true, 'it jumps to row 150');
  check(await page.locator('svg.ent-viz g.ev[data-row="150"]').count() === 1, 'row 150 is drawn after the jump');
  await page.locator('#fold').selectOption('protocol');
  check(await page.locator('svg.ent-viz g.ev').count() > 10 && errors.length === 0, 'folding the local rules redraws with no error');
  await page.locator('#fold').selectOption('all');
  // Picking a transaction in the legend highlights it and goes to its first step; the others fade.
  await page.locator('#legend .txn[data-txn="3"]').click();
  check((await page.locator('#event').textContent())?.includes('r4') === true, 'picking r4 in the legend goes to its first step');
  check(await page.locator('svg.ent-viz g.ev[opacity="0.3"]').count() > 0, 'and the other transactions fade');
  await page.locator('#legend .txn[data-txn="3"]').click();
  check(await page.locator('svg.ent-viz g.ev[opacity="0.3"]').count() === 0, 'a second click gives every transaction back');
  const crash = page.locator('svg.ent-viz g.ev.crash');
  await page.evaluate(() => {
    const viz = (window as unknown as { entViz: { model: { events: { mark: string; row: number }[] }; moveTo: (row: number, select: boolean) => void } }).entViz;
    const crashed = viz.model.events.find((event) => event.mark === 'crash');
    if (crashed !== undefined) viz.moveTo(crashed.row, true);
  });
  check(await crash.count() === 1, 'the crash is drawn at its row');
  await page.screenshot({ path: 'docs/images/viz-faults.png' });

  // The run without faults, opened at the transfer's submission by the address's #row=N.
  const plain = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  plain.on('pageerror', (error) => errors.push(String(error)));
  await plain.goto(`file://${plainPage}`);
  await plain.waitForSelector('svg.ent-viz');
  const submitted = await plain.evaluate(() => (window as unknown as { entViz: { model: { events: { rule: string; detail: string; row: number }[] } } })
    .entViz.model.events.find((event) => event.rule === 'G-Submit' && event.detail.startsWith('r4 '))!.row);
  await plain.goto(`file://${plainPage}#row=${submitted}`);
  await plain.reload();
  await plain.waitForSelector('svg.ent-viz');
  check(Number(await plain.locator('#goto').inputValue()) === submitted, `#row=${submitted} opens the page at that row`);
  await plain.screenshot({ path: 'docs/images/viz-transfer.png' });

  const counterexample = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  counterexample.on('pageerror', (error) => errors.push(String(error)));
  counterexample.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await counterexample.goto(`file://${checkPage}`);
  await counterexample.waitForSelector('svg.ent-viz');
  check(errors.length === 0, 'the counterexample renders with no console error');
  check(await counterexample.locator('#focus').isVisible(), 'it shows its violation');
  const focusRow = await counterexample.evaluate(() => (window as unknown as { entViz: { model: { focus: { row: number } } } }).entViz.model.focus.row);
  check(Number(await counterexample.locator('#goto').inputValue()) === focusRow, 'it opens at the violation');
  await counterexample.screenshot({ path: 'docs/images/viz-counterexample.png' });
  // Folded to the protocol's steps, the whole story fits in one window.
  await counterexample.locator('#fold').selectOption('protocol');
  await counterexample.locator('#scroll').evaluate((element) => { element.scrollTop = 0; });
  check(errors.length === 0, 'the counterexample folds with no error');
  await counterexample.screenshot({ path: 'docs/images/viz-counterexample-folded.png' });
} finally {
  await browser.close();
}
console.log(failures === 0 ? 'every browser check held; screenshots in docs/images/' : `${failures} browser check(s) failed`);
process.exit(failures === 0 ? 0 : 1);
