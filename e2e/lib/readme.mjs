// The README's examples, so the test runs exactly what a reader copies.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

import { REPO } from './stack.mjs';

/** The first ```yaml block after the heading line `heading`, parsed. */
export function readmeYaml(heading) {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const at = readme.split('\n').findIndex((line) => line.trim() === heading);
  if (at < 0) throw new Error(`README has no heading ${JSON.stringify(heading)}`);
  const rest = readme.split('\n').slice(at + 1).join('\n');
  const block = rest.match(/^```yaml\n([\s\S]*?)^```$/m);
  const nextHeading = rest.search(/^#{1,6} /m);
  if (!block || (nextHeading >= 0 && block.index > nextHeading)) throw new Error(`no yaml block under ${heading}`);
  return parse(block[1]);
}

/** A copy of an example with the default name's entity IDs (sensor.dexcom_…) renamed. */
export function forName(example, slug) {
  return JSON.parse(JSON.stringify(example).replaceAll('sensor.dexcom_', `sensor.${slug}_`));
}
