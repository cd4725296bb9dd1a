'use strict';
// Prebuilds the workflow bundle (lib/workflow-bundle.js) so workers start fast and run exactly the code that
// was built, instead of bundling sources at start-up.
const { writeFile } = require('node:fs/promises');
const { join } = require('node:path');
const { bundleWorkflowCode } = require('@temporalio/worker');
// The path workers and clients load too: workflow failures are scrubbed of secrets like activity failures.
const { FAILURE_CONVERTER_PATH } = require('../lib/converter/data-converter');

(async () => {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../lib/workflows'),
    failureConverterPath: FAILURE_CONVERTER_PATH,
  });
  const out = join(__dirname, '..', 'lib', 'workflow-bundle.js');
  await writeFile(out, code);
  process.stderr.write(`[build] workflow bundle ${out} (${Math.round(code.length / 1024)} KiB)\n`);
})().catch((err) => {
  process.stderr.write(`[build] bundling workflows failed: ${err.stack ?? err}\n`);
  process.exit(1);
});
