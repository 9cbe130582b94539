import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          // One real control plane for the whole run (see global-setup.ts); files run one at a
          // time so the two cores go to the API server rather than to competing test files.
          globalSetup: ['test/integration/global-setup.ts'],
          // Deletes the namespaces each file created once the file is done.
          setupFiles: ['test/integration/support/cleanup-namespaces.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          // The control plane plus the real KEDA (operator, metrics adapter, external metrics
          // APIService), once for the run; KEDA's first build takes many minutes (cached after).
          globalSetup: ['test/e2e/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
