// Vite's production build with its defaults (minified, one entry chunk, hashed names).
import { defineConfig } from 'vite';

export default defineConfig({ build: { outDir: 'dist', emptyOutDir: true } });
