// Each kernel code (assembly/layout/records.ts) pinned to the name the outputs carry (reference-data/SCHEMA.md).
import { describe, expect, it } from 'vitest';
import * as codes from '../assembly/layout/records.js';
import { DIRECTION_NAMES, REASON_NAMES, STATUS_NAMES } from '../src/trade-codes.js';

describe('trade-record code names', () => {
  it('name every direction code', () => {
    expect(DIRECTION_NAMES[codes.DIRECTION_LONG]).toBe('long');
    expect(DIRECTION_NAMES[codes.DIRECTION_SHORT]).toBe('short');
    expect(DIRECTION_NAMES).toHaveLength(2);
  });

  it('name every status code', () => {
    expect(STATUS_NAMES[codes.STATUS_OPEN]).toBe('open');
    expect(STATUS_NAMES[codes.STATUS_CLOSED]).toBe('closed');
    expect(STATUS_NAMES).toHaveLength(2);
  });

  it('name every exit-reason code', () => {
    expect(REASON_NAMES[codes.REASON_SL]).toBe('sl');
    expect(REASON_NAMES[codes.REASON_TSL]).toBe('tsl');
    expect(REASON_NAMES[codes.REASON_TP]).toBe('tp');
    expect(REASON_NAMES[codes.REASON_SIGNAL]).toBe('signal');
    expect(REASON_NAMES[codes.REASON_END]).toBe('end');
    expect(REASON_NAMES).toHaveLength(5);
  });
});
