import { defineConfig } from 'vite';
import tailwindcss from '@tailwindcss/vite';

// The front end lives in src/web and is served by the Beacon server from dist/web.
// In `vite` dev mode the API, WebSocket and health check are proxied to a local server.
const backend = 'http://127.0.0.1:3000';

export default defineConfig({
  root: 'src/web',
  build: {
    outDir: '../../dist/web',
    emptyOutDir: true,
    target: 'es2022',
  },
  plugins: [tailwindcss()],
  server: {
    proxy: {
      '/api': { target: backend, changeOrigin: false },
      '/ws': { target: backend, ws: true },
      '/healthz': { target: backend },
    },
  },
});
