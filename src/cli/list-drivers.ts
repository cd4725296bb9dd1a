/** `objectstorage list-drivers`: the storage drivers Anchore knows, as anchore-manager lists them. */
import type { Command } from 'commander';
import { DRIVERS } from '../drivers/registry';
import type { GlobalOptions } from './globals';
import { createOutput } from './output';

export function registerListDrivers(program: Command, globals: () => GlobalOptions): void {
  program
    .command('list-drivers')
    .description("list the storage driver names usable in a config's storage_driver.name")
    .action(() => {
      const out = createOutput(globals().json);
      out.result({ drivers: DRIVERS });
      out.line('Supported object storage drivers:');
      for (const d of DRIVERS) out.line(`  ${d.name.padEnd(8)} ${d.scheme}://  ${d.description}`);
    });
}
