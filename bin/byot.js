#!/usr/bin/env node
// The bundled CLI lives in dist/cli/ (scripts/build-cli.mjs, run by `npm run build`, which `npm install` runs through the prepare script).
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
