/**
 * Marks a root query field whose answer a client may cache for a while when it fetches it with
 * GET (statistics for BI tools): `@Extensions(CACHEABLE_FOR_BI)` on the resolver. The HTTP layer
 * (src/http/apollo.ts) gives such answers `Cache-Control: private, max-age=…` and an ETag.
 */
export const CACHEABLE_FOR_BI = { cacheableForBi: true } as const;

/** Whether a field's extensions carry {@link CACHEABLE_FOR_BI}. */
export function isCacheableForBi(extensions: Readonly<Record<string, unknown>> | null | undefined): boolean {
  return extensions?.cacheableForBi === true;
}
