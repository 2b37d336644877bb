/**
 * Where the bot token lives: in a module-private WeakMap keyed by the object that uses it, never
 * in a field. `util.inspect`, `JSON.stringify`, a debugger's property list and structured clone
 * walk an object's own properties, so a token in a field (even a `private` one: TypeScript
 * privacy is compile-time only) leaks through all of them. Keyed weakly, the token goes away
 * with its owner.
 */
const tokens = new WeakMap<object, string>();

/** Stores `token` for `owner`. */
export function keepToken(owner: object, token: string): void {
  tokens.set(owner, token);
}

/** The token stored for `owner` ('' when none, so a caller can never print `undefined`). */
export function tokenOf(owner: object): string {
  return tokens.get(owner) ?? '';
}

/** A shallow copy of `options` without its `token`, for keeping in a field. */
export function withoutToken<T extends { readonly token?: string }>(options: T): Omit<T, 'token'> {
  const { token: _token, ...rest } = options;
  return rest;
}
