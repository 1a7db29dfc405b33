// Benchmark: the cost of one update to a large configuration, the operation the runtime does at every
// commit. A store of N entities, one entity replaced, three ways: immer's `produce` over a Map, immer's
// `produce` over a plain object, and the runtime's persistent map (runtime/persistent-map.ts). Printed as
// updates per second and as ratios against the persistent map, in one process.
// Run: npx tsc -p . && node build/bench/configuration.js

import { enableMapSet, produce, setAutoFreeze } from 'immer';
import { PersistentMap } from '../runtime/persistent-map.ts';

enableMapSet();
setAutoFreeze(false);

interface Entity {
  readonly version: number;
  readonly balance: number;
}

function perSecond(updates: number, run: () => void): number {
  run();
  const start = process.hrtime.bigint();
  run();
  return updates / (Number(process.hrtime.bigint() - start) / 1e9);
}

for (const size of [1_000, 10_000, 100_000]) {
  const updates = size >= 100_000 ? 200 : 2_000;
  const ids = Array.from({ length: size }, (_, index) => `Account(${index})`);
  let map = new Map<string, Entity>(ids.map((id) => [id, { version: 1, balance: 0 }]));
  let object: Record<string, Entity> = Object.fromEntries(ids.map((id) => [id, { version: 1, balance: 0 }]));
  let persistent = PersistentMap.empty<Entity>();
  for (const id of ids) persistent = persistent.with(id, { version: 1, balance: 0 });
  const mapRate = perSecond(updates, () => {
    for (let index = 0; index < updates; index++) {
      const id = ids[(index * 7919) % size];
      map = produce(map, (draft) => { draft.set(id, { version: 2, balance: index }); });
    }
  });
  const objectRate = perSecond(updates, () => {
    for (let index = 0; index < updates; index++) {
      const id = ids[(index * 7919) % size];
      object = produce(object, (draft) => { draft[id] = { version: 2, balance: index }; });
    }
  });
  const persistentRate = perSecond(updates, () => {
    for (let index = 0; index < updates; index++) persistent = persistent.with(ids[(index * 7919) % size], { version: 2, balance: index });
  });
  console.log(`${size} entities: persistent map ${persistentRate.toFixed(0)}/s; immer Map ${mapRate.toFixed(0)}/s (${(persistentRate / mapRate).toFixed(0)}× slower); `
    + `immer object ${objectRate.toFixed(0)}/s (${(persistentRate / objectRate).toFixed(0)}× slower)`);
}
