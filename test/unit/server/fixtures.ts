/** Graph texts shared by the server tests; positions in the tests refer to these lines. */
export const GRAPH = `{
  "version": 1,
  "resources": { "db": 1, "gpu": 2 },
  "actions": {
    "lint": { "command": "npm run lint", "description": "Check style" },
    "build": { "command": "npm run build", "dependsOn": ["lint", "lnt"], "resources": { "db": 1 } },
    "test": { "command": "npm test", "dependsOn": ["build", "test", "lint", "build"] },
    "a": { "command": "x", "dependsOn": ["b"] },
    "b": { "command": "x", "dependsOn": ["a"] }
  }
}
`;

/** A clean graph: no diagnostics. */
export const CLEAN = `{
  "version": 1,
  "resources": { "db": 1 },
  "actions": {
    "lint": { "command": "npm run lint", "description": "Check style" },
    "build": {
      "command": "npm run build",
      "dependsOn": ["lint"],
      "resources": { "db": 1 }
    },
    "test": { "command": ["npm", "test"], "dependsOn": ["build"] },
    "docs": { "command": "make docs" }
  }
}
`;

/** A graph of n actions in a chain (action i depends on i-1), as the bench builds it. */
export function chain(n: number): string {
  const lines = ['{', '  "version": 1,', '  "actions": {'];
  for (let i = 0; i < n; i++) {
    const dep = i === 0 ? '' : `, "dependsOn": ["a${i - 1}"]`;
    lines.push(`    "a${i}": { "command": "echo ${i}"${dep} }${i === n - 1 ? '' : ','}`);
  }
  lines.push('  }', '}', '');
  return lines.join('\n');
}
