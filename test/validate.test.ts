// The one check of the from_signals settings (src/validate.ts), whichever door they come in by.
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type SimConfig } from '../src/config.js';
import { SimrunError } from '../src/errors.js';
import { columnSettings, ENUM_CODES, SETTING_DOCS, type SettingOverrides } from '../src/settings.js';
import { checkStrategySettings, settingValue, validateConfig, validateValuePrices } from '../src/validate.js';

describe('settingValue', () => {
  it('matches every enum name case-insensitively and returns vectorbt\'s spelling', () => {
    for (const [key, codes] of Object.entries(ENUM_CODES)) {
      for (const name of Object.keys(codes)) {
        for (const written of [name, name.toLowerCase(), name.toUpperCase(), ` ${name} `]) {
          expect(settingValue(key as keyof SimConfig, written), `${key} ${written}`).toEqual({ value: name });
        }
      }
    }
  });

  it('takes accumulate as true/false too, and names the choices of an unknown value', () => {
    expect(settingValue('accumulate', true)).toEqual({ value: 'Both' });
    expect(settingValue('accumulate', 'FALSE')).toEqual({ value: 'Disabled' });
    expect(settingValue('accumulate', 'on')).toEqual({ problem: 'unknown value "on" (one of: Disabled, Both, AddOnly, RemoveOnly, or true/false)' });
    expect(settingValue('price', 3)).toEqual({ problem: 'unknown value 3 (one of: Close, Open)' });
  });

  it('checks each number against its range; text (flags, cells, JSON) may be a decimal or inf, a library number must be a number', () => {
    const ok: Array<[keyof SimConfig, string | number, number]> = [
      ['fees', '0', 0], ['fees', '1e-3', 0.001], ['fixedFees', 2.5, 2.5], ['slippage', '0.999', 0.999],
      ['initCash', '1e15', 1e15], ['size', 'inf', Infinity], ['size', '+Infinity', Infinity], ['size', '.5', 0.5], ['minSize', 0, 0],
    ];
    for (const [key, raw, value] of ok) expect(settingValue(key, raw), `${key} ${raw}`).toEqual({ value });
    const bad: Array<[keyof SimConfig, unknown]> = [
      ['fees', -1e-9], ['fees', Infinity], ['fees', 'NaN'], ['fixedFees', '-1'], ['slippage', 1], ['slippage', -0.1],
      ['initCash', 0], ['initCash', 1.0000001e15], ['size', 0], ['size', -Infinity], ['size', NaN], ['minSize', 'inf'],
      ['fees', null], ['fees', true], ['size', '1,5'],
    ];
    for (const [key, raw] of bad) expect(settingValue(key, raw), `${key} ${String(raw)}`).toHaveProperty('problem');
    expect(settingValue('fees', '0.1', false)).toEqual({ problem: 'must be a number, got "0.1"' });
  });
});

describe('validateConfig', () => {
  it('fills in the defaults and checks the size against the size type', () => {
    expect(validateConfig({}, 'x')).toEqual(DEFAULT_CONFIG);
    expect(validateConfig({ sizeType: 'percent', size: 1 }, 'x')).toMatchObject({ sizeType: 'Percent', size: 1 });
    expect(() => validateConfig({ sizeType: 'Percent' }, 'x')).toThrow('x: size must be a fraction in (0, 1] with size type Percent, got Infinity');
    expect(() => validateConfig({ size: '2', sizeType: 'Percent' }, 'x', (k) => SETTING_DOCS[k].flag, true))
      .toThrow('x: --size must be a fraction in (0, 1] with size type Percent, got 2');
  });
});

describe('checkStrategySettings: SizeType.Percent cannot reverse a position', () => {
  const batch = validateConfig({ sizeType: 'Percent', size: 0.5 }, 'x');
  const where = { source: 'p/params.csv', strategy: 's3', name: (k: keyof SimConfig) => SETTING_DOCS[k].column ?? k };
  const check = (own: SettingOverrides, has: { bothSides: boolean; stop: boolean }, config = batch) => {
    try {
      checkStrategySettings(config, own, where, has);
      return 'ok';
    } catch (e) {
      expect(e).toBeInstanceOf(SimrunError);
      return (e as SimrunError).message;
    }
  };

  it('refuses it where an opposite entry or a stop would reverse, naming the column that made it so', () => {
    expect(check({}, { bothSides: true, stop: false })).toMatch(
      /^p\/params\.csv: strategy "s3" \(batch settings\): size type Percent cannot reverse a position .*upon_opposite_entry ReverseReduce with entries of both sides/);
    expect(check({ uponOppositeEntry: 'Reverse' }, { bothSides: true, stop: false }))
      .toMatch(/^p\/params\.csv: strategy "s3", column "upon_opposite_entry": size type Percent cannot reverse/);
    expect(check({ accumulate: 'AddOnly' }, { bothSides: true, stop: false })).toMatch(/column "accumulate"/);
    expect(check({ uponStopExit: 'ReverseReduce', uponOppositeEntry: 'Close' }, { bothSides: true, stop: true }))
      .toMatch(/column "upon_stop_exit": .*upon_stop_exit ReverseReduce with a stop set/);
    expect(check({ sizeType: 'Percent', size: 1 }, { bothSides: true, stop: false }, DEFAULT_CONFIG)).toMatch(/column "size_type"/);
    expect(check({ accumulate: 'Both', uponOppositeEntry: 'Reverse' }, { bothSides: true, stop: false }))
      .toMatch(/column "upon_opposite_entry": .*upon_opposite_entry Reverse with entries/);
    expect(check({ accumulate: 'RemoveOnly', uponStopExit: 'Reverse' }, { bothSides: false, stop: true }))
      .toMatch(/upon_stop_exit Reverse with a stop set/);
    // one side only, but a stop's ReverseReduce (a percent of the long plus what could be shorted) may
    // flip the position, and the next entry then reverses it (vectorbt raises; found by model-vs-vectorbt)
    expect(check({ accumulate: 'Both', uponStopExit: 'ReverseReduce', uponOppositeEntry: 'Reverse' }, { bothSides: false, stop: true }))
      .toMatch(/column "upon_opposite_entry": .*upon_opposite_entry Reverse with a stop that may flip the position \(upon_stop_exit ReverseReduce\)/);
  });

  it('lets it be where nothing can reverse: one side, Close modes, accumulation that reduces, no stop', () => {
    expect(check({}, { bothSides: false, stop: false })).toBe('ok');
    expect(check({ uponOppositeEntry: 'CloseReduce' }, { bothSides: true, stop: false })).toBe('ok');
    // ReverseReduce only reduces when accumulation reduces (vectorbt 1.2.0, run): Reverse reverses whatever accumulate says
    expect(check({ accumulate: 'Both' }, { bothSides: true, stop: true })).toBe('ok');
    expect(check({ accumulate: 'RemoveOnly', uponStopExit: 'ReverseReduce' }, { bothSides: true, stop: true })).toBe('ok');
    expect(check({ uponStopExit: 'Reverse' }, { bothSides: false, stop: false })).toBe('ok');
    expect(check({ sizeType: 'Amount' }, { bothSides: true, stop: true })).toBe('ok');
  });

  it('checks a strategy\'s size against its size type', () => {
    expect(check({ size: 2 }, { bothSides: false, stop: false })).toMatch(/strategy "s3", column "size": size must be a fraction in \(0, 1\]/);
    expect(check({ sizeType: 'Value' }, { bothSides: false, stop: false })).toBe('ok');
  });
});

describe('validateValuePrices: a Value size needs an order price vectorbt does not take for 0', () => {
  const settings = (sizeType: 'Value' | 'Amount', price: 'Close' | 'Open') =>
    columnSettings(validateConfig({ sizeType, size: 1000, price }, 'x'), 2);
  const bars = { open: [1, 1e-12, 2], close: [1, 2e-12, 3] };

  it('refuses the first bar at or below 1e-12 of the price the orders fill at, naming the strategy', () => {
    expect(() => validateValuePrices(settings('Value', 'Open'), ['a', 'b'], bars, 'o.parquet')).toThrow(
      'o.parquet: strategy "a" sizes orders by Value, but the open at row 1 is 1e-12, within vectorbt\'s zero tolerance (1e-12)');
  });

  it('lets the same bars be with the other price, or with Amount sizes', () => {
    expect(() => validateValuePrices(settings('Value', 'Close'), ['a', 'b'], bars, 'o.parquet')).not.toThrow();
    expect(() => validateValuePrices(settings('Amount', 'Open'), ['a', 'b'], bars, 'o.parquet')).not.toThrow();
  });
});
