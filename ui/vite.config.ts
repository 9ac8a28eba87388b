import { defineConfig } from "vite";

// Tauri serves the built files itself; the dev server only backs `tauri dev`.
export default defineConfig({
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: { target: "es2022", outDir: "dist", emptyOutDir: true },
});
