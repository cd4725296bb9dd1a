#!/usr/bin/env node
'use strict';
// The CLI runs from the compiled output; `npm run build` (part of `make test` and `make demo`) produces it.
require('../lib/cli/main.js')
  .main(process.argv)
  .then((code) => {
    process.exitCode = code;
  });
