#!/usr/bin/env node
'use strict';
// We support Node 20 (the SDK's warning about future Node 22 releases is for SDK upgrades, not for operators).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// The CLI runs from the compiled output; `npm run build` (part of `make test`) produces it.
require('../lib/cli/main.js')
  .main(process.argv)
  .then((code) => {
    process.exitCode = code;
  });
