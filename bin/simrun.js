#!/usr/bin/env node
// The `simrun` command: the compiled CLI (npm run build puts it in dist/).
import { main } from '../dist/src/cli.js';

process.exitCode = await main(process.argv);
