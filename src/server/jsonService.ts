import { getLanguageService, type JSONDocument, type LanguageService } from 'vscode-json-languageservice';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import schema from '../../schema/actiontree.schema.json';

/**
 * vscode-json-languageservice driven by the bundled schema/actiontree.schema.json. It supplies
 * the schema-level features only: completion of property names and values, hover on fields,
 * formatting, folding ranges and selection ranges. Validation is off: diagnostics come from
 * the core analysis alone (it already does the schema checks, with stable codes).
 */
export const SCHEMA_URI = 'actiontree://schema/actiontree.schema.json';

export class JsonService {
  readonly service: LanguageService;
  private readonly docs = new Map<string, { version: number; doc: JSONDocument }>();

  constructor() {
    this.service = getLanguageService({
      // A file's own "$schema" (e.g. ./node_modules/actiontree/schema/…) resolves to the bundled
      // schema; nothing is ever fetched.
      schemaRequestService: (uri) =>
        /actiontree\.schema\.json$/.test(uri)
          ? Promise.resolve(JSON.stringify(schema))
          : Promise.reject(new Error(`schema ${uri} is not available offline`)),
    });
    this.service.configure({
      validate: false,
      allowComments: true,
      schemas: [{ uri: SCHEMA_URI, fileMatch: ['*'], schema: schema as object }],
    });
  }

  /** The parsed JSON document for this version (cached; the previous version is dropped). */
  parse(doc: TextDocument): JSONDocument {
    const hit = this.docs.get(doc.uri);
    if (hit !== undefined && hit.version === doc.version) return hit.doc;
    const parsed = this.service.parseJSONDocument(doc);
    this.docs.set(doc.uri, { version: doc.version, doc: parsed });
    return parsed;
  }

  forget(uri: string): void {
    this.docs.delete(uri);
  }
}
