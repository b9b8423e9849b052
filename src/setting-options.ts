// The from_signals settings as command-line options, for every command that takes them (`simrun`,
// `simrun queue add`). The options hand their text to validateConfig, which checks every door alike.
import type { Command } from 'commander';
import { DEFAULT_CONFIG, type SimConfig } from './config.js';
import { SETTING_DOCS } from './settings.js';
import type { SettingsInput } from './validate.js';

const SETTING_KEYS = Object.keys(SETTING_DOCS) as (keyof SimConfig)[];

/** A default as the command line writes it (Infinity as `inf`). */
export const defaultText = (key: keyof SimConfig): string => {
  const v = DEFAULT_CONFIG[key];
  return v === Infinity ? 'inf' : String(v);
};

/** The option that sets `key`, for messages (`--init-cash`). */
export const flagOf = (key: keyof SimConfig): string => SETTING_DOCS[key].flag;

/** Adds an option per setting, its default shown in --help (the value itself is filled in by validateConfig). */
export function addSettingOptions(cmd: Command): Command {
  for (const key of SETTING_KEYS) {
    const d = SETTING_DOCS[key];
    cmd.option(`${d.flag} <${d.arg}>`, `${d.help} (default: ${defaultText(key)})`);
  }
  return cmd;
}

/** The settings given on the command line, as text (absent ones undefined: the defaults). */
export function settingsFromOptions(opts: Record<string, unknown>): SettingsInput {
  const out: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) if (opts[key] !== undefined) out[key] = opts[key];
  return out as SettingsInput;
}
