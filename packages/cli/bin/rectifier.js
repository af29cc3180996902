#!/usr/bin/env node
// The `rectifier` command. A committed file rather than dist/bin.js itself, so that `npm ci` in a
// clone links it before anything is built (npm skips bin links whose target does not exist yet).
import '../dist/bin.js';
