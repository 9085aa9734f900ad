/**
 * Freezes a module-level constant table and every plain object and array inside it, and returns
 * it. On the device every firmware module is preloaded: the XS linker puts frozen module data in
 * flash, while an object left mutable needs an alias in RAM and is reported by xsl ("not
 * frozen"). Functions, typed arrays and class instances inside are left as they are (a table
 * frozen shallowly before is walked again: its contents get frozen too).
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== "object" || value === null) return value;
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto !== Object.prototype && proto !== Array.prototype && proto !== null) return value;
  Object.freeze(value);
  const keys = Object.keys(value);
  for (let i = 0; i < keys.length; i++) deepFreeze((value as Record<string, unknown>)[keys[i]]);
  return value;
}
