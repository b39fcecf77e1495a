import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';

// The gateway serves dist/ at the site root and falls back to index.html for client routes.
export default defineConfig({
  plugins: [vue()],
  build: { chunkSizeWarningLimit: 2500 },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
  test: {
    environment: 'jsdom',
    include: ['tests/**/*.test.ts'],
    // element-plus is inlined so that its async-validator import resolves as in the browser build.
    server: { deps: { inline: ['element-plus'] } },
    // A budget, not an assertion: mounting Element Plus forms takes seconds on a loaded 2-core
    // machine, and files run one at a time so the suite does not compete with itself.
    testTimeout: 120000,
    fileParallelism: false,
  },
});
