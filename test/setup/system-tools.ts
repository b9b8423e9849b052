// The programs outside npm and PyPI that the tests run, where to find them, and how to install them.
// One list for both users: test/setup/install.ts (npm test's setup step) installs what is missing,
// and the tests that need a program call requireTool, which fails with the same one-line advice.
import fs from 'node:fs';
import path from 'node:path';

export interface SystemTool {
  /** The command, looked up on PATH. */
  command: string;
  /** Debian's package that provides it (the route npm test takes; see the README's Tests). */
  debian: string;
  /** Homebrew's, for the advice on macOS. */
  brew: string;
  /** An environment variable that names the executable instead (a browser installed elsewhere). */
  env?: string;
  usedBy: string;
}

export const SYSTEM_TOOLS: readonly SystemTool[] = [
  { command: 'chromium', debian: 'chromium', brew: '--cask chromium', env: 'SIMRUN_CHROMIUM', usedBy: 'test/report/report.test.ts' },
  { command: 'redis-server', debian: 'redis-server', brew: 'redis', usedBy: 'test/queue/queue.test.ts' },
];

function executable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The first executable `command` on PATH, or null. */
export function onPath(command: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, command);
    if (executable(file)) return file;
  }
  return null;
}

/** The tool's executable: $env if set, else `command` on PATH; null when there is none. */
export function findTool(tool: SystemTool): string | null {
  const given = tool.env ? process.env[tool.env] : undefined;
  if (given) return executable(given) ? given : null;
  return onPath(tool.command);
}

export function hasAptGet(): boolean {
  return process.platform === 'linux' && onPath('apt-get') !== null;
}

/** The command that installs `tools` on this machine. */
export function installCommand(tools: readonly SystemTool[]): string {
  if (process.platform === 'darwin') return tools.map((t) => `brew install ${t.brew}`).join(' && ');
  const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
  const pkgs = tools.map((t) => t.debian).join(' ');
  if (hasAptGet()) return `${sudo}apt-get update && ${sudo}apt-get install -y --no-install-recommends ${pkgs}`;
  return `your system's package manager (Debian: apt-get install -y ${pkgs})`;
}

/** One line: what is missing, who needs it, and the command that installs it. */
export function missingMessage(tools: readonly SystemTool[]): string {
  const what = tools.map((t) => `${t.command} (needed by ${t.usedBy}${t.env ? `; or set ${t.env} to one` : ''})`).join(', ');
  return `missing ${what}: install with \`${installCommand(tools)}\``;
}

/** The executable of the tool called `command`, or an Error with missingMessage. */
export function requireTool(command: string): string {
  const tool = SYSTEM_TOOLS.find((t) => t.command === command);
  if (!tool) throw new Error(`${command} is not in test/setup/system-tools.ts's list`);
  const file = findTool(tool);
  if (!file) throw new Error(missingMessage([tool]));
  return file;
}
