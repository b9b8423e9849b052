// npm test's setup step for the programs the tests run that npm and PyPI do not provide
// (test/setup/system-tools.ts). On a Debian-like machine, as root, it installs Debian's packages for
// the missing ones with apt-get; anywhere else it stops at once with one line naming what is
// missing and the command that installs it. Nothing to do when they are all there.
import { spawnSync } from 'node:child_process';
import { SYSTEM_TOOLS, findTool, hasAptGet, missingMessage } from './system-tools.js';

const missing = SYSTEM_TOOLS.filter((t) => !findTool(t));
if (missing.length === 0) process.exit(0);

function fail(line: string): never {
  process.stderr.write(`simrun tests: ${line}\n`);
  process.exit(1);
}

if (process.getuid?.() !== 0 || !hasAptGet()) fail(missingMessage(missing));

const pkgs = missing.map((t) => t.debian);
process.stdout.write(`simrun tests: installing Debian's ${pkgs.join(', ')} with apt-get (needed by ${missing.map((t) => t.usedBy).join(', ')})\n`);
// apt's own output only when it fails: dpkg prints several lines per package
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
const LOCK_WAIT_MS = 300_000;
for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...pkgs]]) {
  // another apt on this machine (a parallel setup) holds a lock for a while: wait for it. dpkg's
  // lock has its own timeout; the package lists' lock (apt-get update) has none, so retry.
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    const r = spawnSync('apt-get', ['-q', '-o', `DPkg::Lock::Timeout=${LOCK_WAIT_MS / 1000}`, ...args], { env, encoding: 'utf8', maxBuffer: 64 << 20 });
    if (!r.error && r.status === 0) break;
    const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
    if (/Could not get lock/.test(output) && Date.now() < deadline) {
      spawnSync('sleep', ['2']);
      continue;
    }
    process.stderr.write(output.split('\n').slice(-20).join('\n'));
    fail(`\`apt-get ${args.join(' ')}\` failed (${r.error?.message ?? `exit ${r.status}`}); ${missingMessage(missing)}`);
  }
}
const still = missing.filter((t) => !findTool(t));
if (still.length) fail(`after apt-get install ${pkgs.join(' ')}: still ${missingMessage(still)}`);
