/** `actiontree graph [FILE] --format dot|mermaid|json`. */
import * as path from 'node:path';
import type { Diagnostic } from '../core/diagnostics';
import { topologicalOrder } from '../core/graph';
import type { Graph } from '../core/model';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, parseArgs, type CliCommand, type CliIO } from './command';
import { GRAPH_SUFFIX, resolveGraphFile } from './files';
import { toSvg } from './graphSvg';
import { validateFile } from './validate';
import { escapeControls, escapeControlsKeepLines, formatDiagnostic, jsonForTerminal } from '../core/format';

export type GraphFormat = 'dot' | 'mermaid' | 'json' | 'svg';

/** Edges `action\u0000dependency` that lie on a dependency cycle, from the `cycle` diagnostics. */
export function cycleEdgeSet(diagnostics: readonly Diagnostic[]): Set<string> {
  const s = new Set<string>();
  for (const d of diagnostics) {
    if (d.code === 'cycle' && d.data?.action !== undefined && d.data.dependency !== undefined) s.add(`${d.data.action}\u0000${d.data.dependency}`);
  }
  return s;
}

export function graphName(graph: Graph, file: string): string {
  if (graph.name !== undefined) return graph.name;
  const base = path.basename(file);
  return base.endsWith(GRAPH_SUFFIX) ? base.slice(0, -GRAPH_SUFFIX.length) : base;
}

/** A DOT double-quoted string; control characters appear as visible escapes (`\x1b`). */
export function dotQuote(s: string): string {
  return `"${escapeControlsKeepLines(s.replace(/\r\n?/g, '\n')).replace(/\t/g, ' ').replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r\n|\r|\n/g, '\\n')}"`;
}

/**
 * Graphviz DOT. Arrows go from a dependency to the action that needs it (the order of
 * execution); edges on a cycle are red.
 */
export function toDot(graph: Graph, name: string, cycleEdges: ReadonlySet<string>): string {
  const out: string[] = [`digraph ${dotQuote(name)} {`, '  rankdir=LR;', '  node [shape=box, style=rounded];'];
  for (const a of graph.actions) {
    const attrs = [`label=${dotQuote(a.id)}`];
    if (a.description !== undefined) attrs.push(`tooltip=${dotQuote(a.description)}`);
    out.push(`  ${dotQuote(a.id)} [${attrs.join(', ')}];`);
  }
  for (const a of graph.actions) {
    for (const d of a.deps) {
      const red = cycleEdges.has(`${a.id}\u0000${d}`) ? ' [color=red]' : '';
      out.push(`  ${dotQuote(d)} -> ${dotQuote(a.id)}${red};`);
    }
  }
  out.push('}');
  return `${out.join('\n')}\n`;
}

/** Mermaid label text inside ["..."]: quotes and angle brackets as entity codes, control characters as visible escapes. */
export function mermaidLabel(s: string): string {
  return escapeControlsKeepLines(s.replace(/\r\n?/g, '\n'))
    .replace(/\t/g, ' ')
    .replace(/#/g, '#35;')
    .replace(/"/g, '#quot;')
    .replace(/</g, '#lt;')
    .replace(/>/g, '#gt;')
    .replace(/\r\n|\r|\n/g, ' ');
}

/** Mermaid flowchart; nodes are n0, n1, … (file order) labelled with the action ids. */
export function toMermaid(graph: Graph, cycleEdges: ReadonlySet<string>): string {
  const out: string[] = ['flowchart LR'];
  const nid = new Map<string, string>();
  graph.actions.forEach((a, i) => {
    nid.set(a.id, `n${i}`);
    out.push(`  n${i}["${mermaidLabel(a.id)}"]`);
  });
  const red: number[] = [];
  let edge = 0;
  for (const a of graph.actions) {
    for (const d of a.deps) {
      out.push(`  ${nid.get(d)} --> ${nid.get(a.id)}`);
      if (cycleEdges.has(`${a.id}\u0000${d}`)) red.push(edge);
      edge++;
    }
  }
  if (red.length) out.push(`  linkStyle ${red.join(',')} stroke:red`);
  return `${out.join('\n')}\n`;
}

export function toJson(graph: Graph, name: string, file: string, cycleEdges: ReadonlySet<string>): string {
  const resources = Object.create(null) as Record<string, number | 'unlimited'>;
  for (const r of graph.resources) resources[r.name] = r.capacity === Infinity ? 'unlimited' : r.capacity;
  const doc = {
    name,
    file,
    version: graph.version ?? null,
    cpus: graph.cpus,
    keepGoing: graph.keepGoing,
    resources,
    ...(graph.locks !== undefined ? { locks: graph.locks.map((l) => l.name) } : {}),
    actions: graph.actions.map((a) => {
      const res = Object.create(null) as Record<string, number>;
      for (const u of a.resources) res[u.name] = u.amount;
      return {
        id: a.id,
        dependsOn: [...a.deps],
        cpus: a.cpus,
        resources: res,
        priority: a.priority,
        timeoutMs: a.timeoutMs ?? null,
        retries: a.retries,
        acceptFailedDependencies: a.acceptFailedDependencies,
        command: a.command === undefined ? null : a.command.kind === 'shell' ? a.command.line : [...a.command.argv],
        cwd: a.cwd ?? null,
        description: a.description ?? null,
        // SPEC §10, when written: `dependsOn` above already holds the providers of `requires`.
        ...(a.provides !== undefined ? { provides: a.provides.map((r) => r.value) } : {}),
        ...(a.requires !== undefined ? { requires: a.requires.map((r) => r.value) } : {}),
        ...(a.locks !== undefined && a.locks.length > 0 ? { locks: Object.fromEntries(a.locks.map((l) => [l.name, l.mode])) } : {}),
      };
    }),
    order: topologicalOrder(graph),
    cycleEdges: [...cycleEdges].map((e) => {
      const [from, to] = e.split('\u0000');
      return { action: from, dependency: to };
    }),
  };
  return `${jsonForTerminal(JSON.stringify(doc, null, 2))}\n`;
}

const USAGE = `Usage: actiontree graph [FILE] [--format dot|mermaid|json|svg]

Prints the dependency graph. Arrows go from a dependency to the action that needs it;
edges on a cycle are red (dot, mermaid) or listed in "cycleEdges" (json).
FILE defaults to the only *.actiontree.jsonc in the current folder.

Options:
  -f, --format dot|mermaid|json|svg   output format (default: dot); svg is the editor's
                                      graph view (laid out by dagre), no Graphviz needed
  -h, --help                          show this help

Errors in the file are printed to stderr as by 'validate'; the graph is still printed
(as far as it could be understood) and the exit status is 1. Exit status 2: usage error
or a file that cannot be read.

Examples:
  actiontree graph | dot -Tsvg > graph.svg
  actiontree graph --format svg > graph.svg
  actiontree graph release.actiontree.jsonc --format mermaid`;

export const graphCommand: CliCommand = {
  name: 'graph',
  summary: 'print the dependency graph as dot, mermaid, json or svg',
  usage: USAGE,
  async run(argv: string[], io: CliIO): Promise<number> {
    const args = parseArgs('graph', argv, {
      format: { type: 'string', short: 'f', choices: ['dot', 'mermaid', 'json', 'svg'] },
      help: { type: 'boolean', short: 'h' },
    });
    if (!args.ok) {
      io.stderr(`actiontree: ${escapeControls(args.message)}\n`);
      return EXIT_USAGE;
    }
    if (args.values.help) {
      io.stdout(`${USAGE}\n`);
      return EXIT_OK;
    }
    if (args.positionals.length > 1) {
      io.stderr(`actiontree: 'graph' takes at most one FILE, got ${args.positionals.length} (see 'actiontree help graph')\n`);
      return EXIT_USAGE;
    }
    const format = (args.values.format ?? 'dot') as GraphFormat;
    const r = await resolveGraphFile(args.positionals[0], io.cwd);
    if (!r.ok) {
      io.stderr(`actiontree: ${escapeControls(r.message)}\n`);
      return EXIT_USAGE;
    }
    const v = await validateFile(r.file, r.display);
    if (!v.ok) {
      io.stderr(`actiontree: ${escapeControls(v.message)}\n`);
      return EXIT_USAGE;
    }
    const { diagnostics, lineIndex } = v.result;
    const errors = diagnostics.filter((d) => d.severity === 'error');
    for (const d of errors) io.stderr(`${formatDiagnostic(r.display, d, lineIndex)}\n`);
    const { graph } = v;
    const cyc = cycleEdgeSet(diagnostics);
    const name = graphName(graph, r.file);
    switch (format) {
      case 'dot':
        io.stdout(toDot(graph, name, cyc));
        break;
      case 'mermaid':
        io.stdout(toMermaid(graph, cyc));
        break;
      case 'json':
        io.stdout(toJson(graph, name, r.file, cyc));
        break;
      case 'svg':
        io.stdout(toSvg(graph, name));
        break;
      default: {
        const never: never = format;
        throw new Error(`unreachable format ${String(never)}`);
      }
    }
    return errors.length ? EXIT_FAILURE : EXIT_OK;
  },
};
