import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{runtime,trainer,sync,devices,scripts}/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
  },
});
