import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{format,compress,runtime,trainer,sync,devices,loop,scripts,test-support,pwa}/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
  },
});
