// Stage: runtime. The committed entity states of a node: a persistent map from entity ids (the
// canonical reference, `Item("apple")`) to each entity's fields and version.

import { canonical, referenceValue, type MapKey, type ReferenceValue, type Value } from '../semantics/values.ts';
import { PersistentMap } from './persistent-map.ts';

/** An entity as the store holds it: its fields (the key among them) and its version. */
export interface CommittedEntity {
  readonly entity: string;
  readonly key: MapKey;
  readonly fields: ReadonlyMap<string, Value | undefined>;
  /** 1 when created, and one more for every committed transaction that wrote it. */
  readonly version: number;
}

export type EntityStore = PersistentMap<CommittedEntity>;

export function emptyStore(): EntityStore {
  return PersistentMap.empty<CommittedEntity>();
}

export function entityId(reference: ReferenceValue): string {
  return canonical(reference);
}

export function referenceOf(entity: CommittedEntity): ReferenceValue {
  return referenceValue(entity.entity, entity.key);
}
