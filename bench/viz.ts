// The space-time diagram at 10³, 10⁴ and 10⁵ trace entries: the time to build its model and write its
// HTML page, against writing the same entries as the text trace of `--trace=all` (the baseline, in the
// same process), and the page's size; then, when Chromium is installed (ENT_CHROMIUM, or
// /usr/bin/chromium), the time until the page has drawn its first window in headless Chromium, and the
// time one cursor step takes there. The run: examples/bank.ent under a random workload of 3 clients,
// with ent check's fault plan, seed 1, cut at the first N entries.
//
//   npx tsc -p . && node build/bench/viz.js [sizes…]

import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { checkFaults } from '../cli/check.ts';
import { defaultRunSettings } from '../cli/runtime-options.ts';
import { runtimeSettings } from '../cli/semantics.ts';
import { formatTraceEntry } from '../cli/trace.ts';
import { sourceText } from '../grammar/span.ts';
import { SeededChoices } from '../runtime/choices.ts';
import { runWorkload } from '../runtime/driver.ts';
import { parseFaultPlan, type FaultPlan } from '../runtime/faults.ts';
import { generateWorkload } from '../runtime/workload.ts';
import { compile } from '../semantics/compile.ts';
import { compileToSplit } from '../semantics/pipeline.ts';
import { renderHtml } from '../views/html.ts';
import { buildModel, VizRecorder } from '../views/model.ts';
import { count, fixed, median } from './measure.ts';

const path = 'examples/bank.ent';
const sizes = process.argv.slice(2).map(Number).filter((size) => size > 0);
const targets = sizes.length > 0 ? sizes : [1_000, 10_000, 100_000];
const largest = Math.max(...targets);

// One run long enough for the largest size: its entries and configuration changes, recorded once.
const text = readFileSync(path, 'utf8');
const source = sourceText(path, text);
const program = compile(text, path).program!;
const split = compileToSplit(program).split;
const settings = runtimeSettings({ ...defaultRunSettings, faults: parseFaultPlan(checkFaults) as FaultPlan });
const recorder = new VizRecorder();
let seed = 0;
const pick = (limit: number): number => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return (seed >>> 8) % limit;
};
const requests = Math.ceil(largest / 40);
const workload = generateWorkload(program, { clients: 3, requestsPerClient: requests, keysPerEntity: 4 }, pick);
const started = performance.now();
runWorkload(split, settings, new SeededChoices('1'), workload, { trace: recorder.record, stepsMax: largest * 2 });
console.log(`the run: ${count(recorder.entries.length)} trace entries recorded in ${fixed((performance.now() - started) / 1000, 1)} s (3 clients × ${count(requests)} requests)`);
if (recorder.entries.length < largest) console.log(`note: fewer entries than ${count(largest)}; the largest size is cut to what there is`);

const lookup = (file: string) => (file === path ? source : undefined);
const folder = mkdtempSync(join(tmpdir(), 'ent-viz-bench-'));
const pages: { size: number; file: string }[] = [];
console.log('\nentries   model+HTML (ms)   text trace (ms)   ratio   page size     per entry');
for (const target of targets) {
  const size = Math.min(target, recorder.entries.length);
  const entries = recorder.entries.slice(0, size);
  const states = recorder.states.filter((state) => state.row < size);
  const file = join(folder, `viz-${size}.html`);
  const htmlTimes: number[] = [];
  const textTimes: number[] = [];
  for (let round = 0; round < 3; round++) {
    let start = performance.now();
    const model = buildModel(entries, { title: `bench ${size}`, settings: 'bench', nodes: settings.nodes, clients: 3, states, lookup });
    writeFileSync(file, renderHtml(model));
    htmlTimes.push(performance.now() - start);
    start = performance.now();
    writeFileSync(join(folder, `trace-${size}.txt`), `${entries.map((entry) => formatTraceEntry(entry, lookup)).join('\n')}\n`);
    textTimes.push(performance.now() - start);
  }
  const bytes = statSync(file).size;
  const html = median(htmlTimes);
  const textTime = median(textTimes);
  console.log(`${count(size).padStart(7)}   ${fixed(html, 1).padStart(15)}   ${fixed(textTime, 1).padStart(15)}   ${fixed(html / textTime, 1).padStart(5)}   ${`${fixed(bytes / 1e6, 2)} MB`.padStart(9)}   ${count(bytes / size).padStart(5)} B`);
  pages.push({ size, file });
}

const chromium = process.env.ENT_CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(chromium)) {
  console.log(`\nno Chromium at ${chromium}: the time to first render is not measured (apt-get install chromium, or set ENT_CHROMIUM)`);
} else {
  const { chromium: launcher } = await import('playwright-core');
  const browser = await launcher.launch({ executablePath: chromium, args: ['--no-sandbox'] });
  console.log('\nentries   first render (ms, median of 3)   one cursor step (ms, median of 20)');
  for (const { size, file } of pages) {
    const renders: number[] = [];
    let steps: number[] = [];
    for (let round = 0; round < 3; round++) {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const start = performance.now();
      await page.goto(`file://${file}`);
      await page.waitForSelector('svg.ent-viz');
      renders.push(performance.now() - start);
      steps = await page.evaluate(() => {
        const viz = (window as unknown as { entViz: { step: (delta: number) => void } }).entViz;
        const times: number[] = [];
        for (let index = 0; index < 20; index++) {
          const begin = performance.now();
          viz.step(1);
          times.push(performance.now() - begin);
        }
        return times;
      });
      await page.close();
    }
    console.log(`${count(size).padStart(7)}   ${fixed(median(renders), 0).padStart(30)}   ${fixed(median(steps), 2).padStart(34)}`);
  }
  await browser.close();
}
