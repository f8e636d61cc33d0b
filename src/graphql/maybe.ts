/** A value, or a promise of it where it has not arrived yet. */
export type Maybe<T> = T | Promise<T>;

/**
 * `f(v)`, without a promise when `v` is not one. Field resolvers that can answer from values
 * already at hand (a relation a batch has brought, the viewer's resolved scope) return the
 * answer itself: graphql-jit then spends no promise and no extra microtask on the field.
 * (Not named `then`: a module exporting `then` is a thenable namespace, which `await import()`
 * calls.)
 */
export function whenReady<T, R>(v: Maybe<T>, f: (value: T) => Maybe<R>): Maybe<R> {
  return v instanceof Promise ? v.then(f) : f(v);
}
