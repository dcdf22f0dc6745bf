/** The graph written by "ActionTree: Create Example Graph" (portable: only needs Node). */
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
      "command": ["node", "-e", "setTimeout(() => console.log('dependencies installed'), 400)"],
      "description": "Install dependencies"
    },
    "lint": {
      "command": ["node", "-e", "setTimeout(() => console.log('0 problems'), 600)"],
      "dependsOn": ["install"],
      "description": "Check the sources"
    },
    "build": {
      "command": ["node", "-e", "setTimeout(() => console.log('built 12 files'), 900)"],
      "dependsOn": ["install"],
      "cpus": 1,
      "description": "Compile"
    },
    "test:unit": {
      "command": ["node", "-e", "setTimeout(() => console.log('42 passing'), 700)"],
      "dependsOn": ["build"]
    },
    "test:db": {
      "command": ["node", "-e", "setTimeout(() => console.log('migrations ok'), 500)"],
      "dependsOn": ["build"],
      "resources": { "db": 1 },
      "description": "Integration tests against the database"
    },
    "package": {
      "command": ["node", "-e", "setTimeout(() => console.log('example.vsix'), 300)"],
      "dependsOn": ["lint", "test:unit", "test:db"],
      "description": "Bundle the release"
    }
  }
}
`;
