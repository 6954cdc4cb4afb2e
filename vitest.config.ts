import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url))

// Tests run against the TypeScript sources of every workspace package, so no
// build is needed first.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@tessera\/wire\/client$/, replacement: src('./packages/wire/src/client.ts') },
      { find: /^@tessera\/wire\/frame$/, replacement: src('./packages/wire/src/frame/index.ts') },
      { find: /^@tessera\/wire$/, replacement: src('./packages/wire/src/index.ts') },
      { find: /^@tessera\/testkit\/bench$/, replacement: src('./packages/testkit/src/bench/index.ts') },
      { find: /^@tessera\/testkit$/, replacement: src('./packages/testkit/src/index.ts') },
      { find: /^@tessera\/kernel$/, replacement: src('./packages/kernel/src/index.ts') },
      { find: /^@tessera\/protocol\/client$/, replacement: src('./packages/protocol/src/client.ts') },
      { find: /^@tessera\/protocol$/, replacement: src('./packages/protocol/src/index.ts') },
      { find: /^@tessera\/client\/node$/, replacement: src('./packages/client/src/node.ts') },
      { find: /^@tessera\/client$/, replacement: src('./packages/client/src/index.ts') },
      { find: /^@tessera\/storage$/, replacement: src('./packages/storage/src/index.ts') },
      { find: /^@tessera\/proto-gen$/, replacement: src('./tools/proto-gen/src/index.ts') },
      { find: /^@tessera\/db-backup$/, replacement: src('./tools/db-backup/src/index.ts') },
      { find: /^@tessera\/storage\/testing$/, replacement: src('./packages/storage/src/testing/index.ts') },
      { find: /^@tessera\/constants$/, replacement: src('./packages/constants/src/index.ts') },
      { find: /^@tessera\/cli-kit$/, replacement: src('./tools/cli-kit/src/index.ts') },
    ],
  },
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'services/*/src/**/*.test.ts',
      'tools/*/src/**/*.test.ts',
      'tests/**/*.test.ts',
      'scripts/**/*.test.ts',
      'deploy/src/**/*.test.ts',
      'deploy/test/**/*.test.ts',
      'jenkins/src/**/*.test.ts',
    ],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Stops the shared test MariaDB when the run that started it ends.
    globalSetup: [src('./packages/storage/src/testing/global-setup.ts')],
  },
})
