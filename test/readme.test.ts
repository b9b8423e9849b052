// The README's library example is examples/library.mjs, word for word, and it runs as printed.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type SimConfig } from '../src/config.js';
import { SETTING_DOCS } from '../src/settings.js';

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

describe('README settings table', () => {
  const readme = readFileSync(file('README.md'), 'utf8');

  it('lists every setting with its flag, config field, params column and default', () => {
    const section = /## Settings\n([\s\S]*?)\n## /.exec(readme)![1];
    const rows = section.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| setting') && !l.startsWith('| ---'));
    const cells = rows.map((r) => r.replace(/ \|$/, '').split(' | ').map((c) => c.replace(/^\| /, '').trim()));
    expect(cells.map((c) => c[2])).toEqual(Object.keys(SETTING_DOCS).map((k) => `\`${k}\``));
    for (const c of cells) {
      const key = c[2].replace(/`/g, '') as keyof SimConfig;
      const doc = SETTING_DOCS[key];
      expect(c[1], key).toBe(`\`${doc.flag}\``);
      expect(c[3], key).toBe(doc.column === null ? '—' : `\`${doc.column}\``);
      const d = DEFAULT_CONFIG[key];
      expect(typeof d === 'number' ? (c[4] === 'inf' ? Infinity : Number(c[4])) : c[4], key).toBe(d);
      expect(c[5], key).toMatch(/^[A-Z].*\.$/); // one sentence
    }
  });
});
