import { defineConfig } from "vite";
import { fileURLToPath } from "node:url";

/**
 * The browser app: src/web is the page; it imports the CLI's modules from
 * src/ and the kernel builds from build/ (npm run build makes them), so the
 * page runs the very same code and wasm. Output: dist-web/, plain static
 * files. The COOP/COEP headers make the page cross-origin isolated, so the
 * dataset is shared with the workers as SharedArrayBuffers rather than
 * copied into each; without them (any static host) it still works, with
 * copies.
 */
const isolation = { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" };

export default defineConfig({
  root: fileURLToPath(new URL("./src/web", import.meta.url)),
  base: "./",
  build: { outDir: fileURLToPath(new URL("./dist-web", import.meta.url)), emptyOutDir: true, target: "es2022", assetsInlineLimit: 0 },
  worker: { format: "es" },
  server: { headers: isolation, fs: { allow: [fileURLToPath(new URL(".", import.meta.url))] } },
  preview: { headers: isolation },
});
