/**
 * The web app's build and dev server. `vite` (from ui/) serves it on :5173 with /api proxied
 * to the platform (VOBE_API_URL, default http://127.0.0.1:8080); `./vobe start` builds it
 * into ui/dist, which the gateway serves at / (api/gateway/web.ts).
 */
import { fileURLToPath } from "node:url";
import vue from "@vitejs/plugin-vue";
import { defineConfig } from "vite";

const api = process.env.VOBE_API_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  plugins: [vue()],
  server: {
    port: 5173,
    strictPort: true,
    // Same origin as in production: no CORS in the dev loop, SSE streamed through.
    proxy: { "/api": { target: api, changeOrigin: true } },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // Hashed names under assets/: the gateway caches them for a year (immutable).
    assetsDir: "assets",
    reportCompressedSize: false,
  },
});
