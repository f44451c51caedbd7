/**
 * The web app's build and dev server. `vite` (from ui/) serves it on :5173 with /api proxied
 * to the platform (VOBE_API_URL, default http://127.0.0.1:8080); `./vobe start` builds it
 * into ui/dist, which the gateway serves at / (api/gateway/web.ts).
 */
import { fileURLToPath } from "node:url";
import vue from "@vitejs/plugin-vue";
import { defineConfig } from "vite";
import { VitePWA } from "vite-plugin-pwa";

const api = process.env.VOBE_API_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  plugins: [
    vue(),
    // Installable (issue 10): a service worker that precaches the built shell (HTML, JS, CSS,
    // icons), so the app opens offline and fast. Never the API's answers or audio: those
    // are live data (and audio is large, range-requested); /api/* is not even a navigation
    // fallback. The manifest is ours (public/manifest.webmanifest), not generated.
    VitePWA({
      registerType: "autoUpdate",
      // A <script src="/registerSW.js" defer>: the gateway's CSP (script-src 'self') allows it.
      injectRegister: "script-defer",
      manifest: false,
      workbox: {
        globPatterns: ["**/*.{html,js,css,svg,png,webmanifest}"],
        navigateFallback: "/index.html",
        navigateFallbackDenylist: [/^\/api\//],
        runtimeCaching: [],
        cleanupOutdatedCaches: true,
        // The first visit's page is controlled at once (not only after a reload): it works
        // offline as soon as the shell is cached.
        clientsClaim: true,
      },
    }),
  ],
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
