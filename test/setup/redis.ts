// A redis-server of a test's own, on a free loopback port, without persistence. It stops when the
// test calls stop() (from afterAll: also when a test failed) and, through a watchdog, when the test
// process ends in any other way (a crash, a kill): no Redis outlives the test that started it.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { requireTool } from './system-tools.js';

export interface RedisServer {
  url: string;
  port: number;
  /** Stops the server and waits for it to be gone. Idempotent. */
  stop(): Promise<void>;
}

/** A port that was free a moment ago on 127.0.0.1 (startRedis retries if another process takes it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

// The watchdog: sh runs redis-server and a reader of the pipe that is the test process's end of sh's
// stdin. The reader sees end-of-file when the test closes the pipe or dies, and stops Redis; sh
// exits with Redis (whatever stopped it), taking the reader with it.
const WATCHDOG = `
exec 3<&0
"$@" </dev/null &
redis=$!
( read -r _ <&3; kill "$redis" 2>/dev/null ) &
reader=$!
wait "$redis"; status=$?
kill "$reader" 2>/dev/null
exit "$status"
`;

const IN_USE = /Address already in use/;

export async function startRedis(opts: { readyMs?: number; attempts?: number } = {}): Promise<RedisServer> {
  const exe = requireTool('redis-server');
  const attempts = opts.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawn('sh', ['-c', WATCHDOG, 'redis-watchdog', exe, '--port', String(port), '--bind', '127.0.0.1',
      '--save', '', '--appendonly', 'no', '--daemonize', 'no'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    let log = '';
    child.stdout!.on('data', (d) => (log += d));
    child.stderr!.on('data', (d) => (log += d));
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null) child.stdin!.end();
      await exited;
    };
    const ready = await waitReady(child, () => log, opts.readyMs ?? 10_000);
    if (ready === 'ready') return { url: `redis://127.0.0.1:${port}`, port, stop };
    await stop();
    // another process took the port between freePort and the bind: try another
    if (IN_USE.test(log) && attempt < attempts) continue;
    throw new Error(`redis-server on 127.0.0.1:${port} did not start (${ready}): ${log.trim().split('\n').slice(-5).join(' | ')}`);
  }
}

async function waitReady(child: ChildProcess, log: () => string, ms: number): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (log().includes('Ready to accept connections')) return 'ready';
    if (child.exitCode !== null || child.signalCode !== null) return `exited with ${child.exitCode ?? child.signalCode}`;
    if (Date.now() > deadline) return `not ready after ${ms} ms`;
    await new Promise((r) => setTimeout(r, 25));
  }
}
