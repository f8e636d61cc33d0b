import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS (`main`) and ESM (`module`) builds; Node (and so Apollo and
    // type-graphql at run time) loads the CJS one. Make test-transformed sources use the
    // same copy, or `instanceof GraphQLError` / schema checks fail across the two.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  // Test files are outside tsconfig.json's `include`, so the transform would not take its
  // decorator settings for them: the same legacy decorators with metadata as src/ (type-graphql).
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    setupFiles: ['test/helpers/setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
