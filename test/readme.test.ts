// The README's library example is examples/library.mjs, word for word, and it runs as printed.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const file = (rel: string) => fileURLToPath(new URL(`../${rel}`, import.meta.url));

describe('README library example', () => {
  const readme = readFileSync(file('README.md'), 'utf8');
  const example = readFileSync(file('examples/library.mjs'), 'utf8');

  it('is the file the README shows', () => {
    const block = /```js\n\/\/ examples\/library\.mjs[^\n]*\n([\s\S]*?)```/.exec(readme);
    expect(block).not.toBeNull();
    // the README's first comment line names the file; the rest is the file after its own first line
    expect(block![1]).toBe(example.split('\n').slice(1).join('\n'));
  });

  it('prints what the README says it prints', () => {
    const out = execFileSync(process.execPath, [file('examples/library.mjs')], { encoding: 'utf8' });
    const printed = /prints\n\n```\n([\s\S]*?)```/.exec(readme)![1];
    expect(out).toBe(printed);
  });
});
