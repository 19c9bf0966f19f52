// Every test runs under Vitest, one project per package (npm test, through
// scripts/test.ts, starts the real Redis and PostgreSQL they use and passes
// their addresses in PARLEY_TEST_*). Files run in their own processes, two
// at a time (the machine has two cores); a file's tests run in order. The
// browser tests are one more project, run one file at a time after the rest.
import { defineConfig } from 'vitest/config';
import { ALONE } from './scripts/lib/test-groups.ts';

const PACKAGES = ['protocol', 'i18n', 'sfu', 'server', 'recorder', 'bots', 'web'];

export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 2,
    // Real servers, workers and browsers: slow steps are expected, hung ones are not.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    projects: [
      ...PACKAGES.map((name) => ({ extends: true as const, test: { name, include: [`${name}/test/**/*.test.ts`], exclude: ALONE } })),
      { extends: true as const, test: { name: 'alone', include: ALONE, fileParallelism: false } },
      { extends: true as const, test: { name: 'e2e', include: ['e2e/**/*.test.ts'], testTimeout: 300_000, hookTimeout: 300_000, fileParallelism: false } },
    ],
  },
});
