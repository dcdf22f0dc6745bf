import { createConnection, ProposedFeatures, type Connection } from 'vscode-languageserver/node';
import { FrameGuard } from './frameGuard';
import { startServer } from './server';

/**
 * Entry point of dist/server.js. Transport from the command line, as vscode-languageserver
 * reads it: `--stdio` (other editors), `--node-ipc` (the VS Code client), `--socket=<port>`
 * or `--pipe=<name>`.
 */
const transports = ['--stdio', '--node-ipc', '--socket', '--pipe', '--clientProcessId'];
const args = process.argv.slice(2);
if (!args.some((a) => transports.some((t) => a === t || a.startsWith(`${t}=`)))) {
  process.stderr.write('usage: node server.js --stdio | --node-ipc | --socket=<port> | --pipe=<name>\n');
  process.exit(2);
}

let connection: Connection;
if (args.includes('--stdio') && !args.includes('--node-ipc')) {
  // A malformed frame (bad Content-Length) would leave the protocol reader stuck for good:
  // say so and exit non-zero instead, so that the client restarts the server.
  const guard = new FrameGuard((reason) => {
    const msg = `actiontree language server: malformed message from the client (${reason}); exiting so that the client can restart the server`;
    process.stderr.write(`${msg}\n`);
    try {
      connection.console.error(msg);
    } catch {
      // the connection cannot say it: stderr did
    }
    process.exitCode = 1;
    setTimeout(() => process.exit(1), 100).unref();
    process.stdin.unpipe(guard);
    process.stdin.destroy();
  });
  process.stdin.pipe(guard);
  connection = createConnection(ProposedFeatures.all, guard, process.stdout);
  // stdout carries the protocol: anything printed with console goes to stderr instead.
  for (const k of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    console[k] = (...a: unknown[]) => void process.stderr.write(`${a.map(String).join(' ')}\n`);
  }
} else {
  connection = createConnection(ProposedFeatures.all);
}
process.on('uncaughtException', (e) => connection.console.error(`uncaught: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`));
process.on('unhandledRejection', (e) => connection.console.error(`unhandled rejection: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`));
startServer(connection);
