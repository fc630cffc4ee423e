// A deep copy of an object graph of plain data: objects (keeping their prototype), arrays,
// Maps, Sets and typed arrays. An object reached twice is copied once, so shared references
// stay shared in the copy. Used by ShowAggregator.clone(); generic on purpose, so the copy
// keeps up with whatever state the aggregator grows.
type Copies = Map<object, unknown>;

export function copyState<T>(value: T): T {
  return copy(value, new Map()) as T;
}

function copy(value: unknown, copies: Copies): unknown {
  if (typeof value !== 'object' || value === null) {
    if (typeof value === 'function') throw new Error('copyState: functions cannot be copied');
    return value;
  }
  const done = copies.get(value);
  if (done !== undefined) return done;
  if (ArrayBuffer.isView(value)) {
    const typed = (value as unknown as { slice(): object }).slice();
    copies.set(value, typed);
    return typed;
  }
  if (value instanceof Map) {
    const map = new Map();
    copies.set(value, map);
    for (const [k, v] of value) map.set(copy(k, copies), copy(v, copies));
    return map;
  }
  if (value instanceof Set) {
    const set = new Set();
    copies.set(value, set);
    for (const v of value) set.add(copy(v, copies));
    return set;
  }
  if (Array.isArray(value)) {
    const array: unknown[] = new Array(value.length);
    copies.set(value, array);
    for (let i = 0; i < value.length; i++) array[i] = copy(value[i], copies);
    return array;
  }
  const object = Object.create(Object.getPrototypeOf(value) as object | null) as Record<string, unknown>;
  copies.set(value, object);
  for (const key of Object.keys(value)) object[key] = copy((value as Record<string, unknown>)[key], copies);
  return object;
}
