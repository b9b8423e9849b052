import { describe, expect, it } from 'vitest';
import { threadExecArgv } from '../src/threads.js';

describe('threadExecArgv', () => {
  it('drops --input-type in both spellings and keeps every other option in order', () => {
    expect(threadExecArgv(['--input-type=module', '--max-old-space-size=4096', '--input-type', 'commonjs', '--enable-source-maps']))
      .toEqual(['--max-old-space-size=4096', '--enable-source-maps']);
    expect(threadExecArgv([])).toEqual([]);
  });
});
