/**
 * The graph written by "ActionTree: Create Example Graph". Plain POSIX shell commands
 * (`sleep`, `echo`), so it runs wherever `/bin/sh` does, without Node on PATH.
 */
export const EXAMPLE_FILE_NAME = 'example.actiontree.jsonc';

export const EXAMPLE_GRAPH = `// An example ActionTree graph. Run it with "ActionTree: Run Graph" or the Run code lens.
// Format: https://github.com/actiontree/actiontree (docs/format.md)
{
  "version": 1,
  "name": "example",
  "cpus": "auto",
  "keepGoing": false,
  "resources": { "db": 1 },
  "actions": {
    "install": {
      "command": "sleep 0.4 && echo 'dependencies installed'",
      "description": "Install dependencies"
    },
    "lint": {
      "command": "sleep 0.6 && echo '0 problems'",
      "dependsOn": ["install"],
      "description": "Check the sources"
    },
    "build": {
      "command": "sleep 0.9 && echo 'built 12 files'",
      "dependsOn": ["install"],
      "cpus": 1,
      "description": "Compile"
    },
    "test:unit": {
      "command": "sleep 0.4 && echo 'shard \${matrix.shard} of 2: 21 passing'",
      "dependsOn": ["build"],
      "matrix": { "shard": ["1", "2"] },
      "description": "Unit tests in 2 shards (a matrix: test:unit[shard=1], test:unit[shard=2])"
    },
    "db:server": {
      // A service: the tests that depend on it start once it is ready (the line below
      // appears in its output), and it is stopped when they are done.
      "command": "echo 'starting the database'; sleep 0.3; echo 'listening on port 5432'; while :; do sleep 1; done",
      "service": { "readyWhen": { "logMatches": "listening on port" }, "readyTimeout": "10s" },
      "description": "A throwaway database server for the tests"
    },
    "test:db": {
      "command": "sleep 0.5 && echo 'migrations ok'",
      "dependsOn": ["build", "db:server"],
      "resources": { "db": 1 },
      "description": "Integration tests against the database"
    },
    "package": {
      "command": "sleep 0.3 && echo 'example.vsix'",
      "dependsOn": ["lint", "test:unit", "test:db"],
      "description": "Bundle the release"
    }
  }
}
`;
